// Runs manifests/argocd/actions (discovery.lua, sync/action.lua, rotate/action.lua) the way Argo CD runs resource
// actions (util/lua): gopher-lua with the package, base and table libraries and a "safe" os library holding
// only time and date (also reachable through require("os")), the object as the global `obj`, one second.
package argocdhealth

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"testing"
	"time"
)

const actionsDir = manifestsDir + "/actions"

// runActionLua mimics Argo CD's VM.ExecuteResourceAction for an action that returns the object.
func runActionLua(obj map[string]any, script string) (any, error) {
	b, err := runArgoLua(obj, script, vmOptions{}, true)
	if err != nil {
		return nil, err
	}
	var out any
	return out, json.Unmarshal(b, &out)
}

func readFile(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(actionsDir, p))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeAll(t *testing.T, input []byte, each func(name string, obj map[string]any)) {
	t.Helper()
	for _, d := range objectDecoders {
		obj, err := d.decode(input)
		if err != nil {
			t.Fatal(err)
		}
		each(d.name, obj)
	}
}

func TestActionDiscovery(t *testing.T) {
	script := string(readFile(t, "discovery.lua"))
	for _, tc := range []struct {
		input string
		want  map[string]any
	}{
		{"testdata/token.yaml", map[string]any{"sync": map[string]any{"disabled": false}, "rotate": map[string]any{"disabled": false}}},
		{"testdata/secret-ref.yaml", map[string]any{"sync": map[string]any{"disabled": false}, "rotate": map[string]any{"disabled": true}}},
	} {
		decodeAll(t, readFile(t, tc.input), func(name string, obj map[string]any) {
			got, err := runActionLua(obj, script)
			if err != nil {
				t.Fatalf("%s/%s: %v", tc.input, name, err)
			}
			if !reflect.DeepEqual(got, any(tc.want)) {
				t.Errorf("%s/%s: got %v, want %v", tc.input, name, got, tc.want)
			}
		})
	}
}

// Each action sets only its annotation, to the current UTC time (a new value each second), and keeps the rest.
func TestActions(t *testing.T) {
	stamp := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)
	for _, tc := range []struct{ action, annotation string }{{"sync", "tcr.tke.dev/force-sync"}, {"rotate", "tcr.tke.dev/rotate"}} {
		script := string(readFile(t, tc.action+"/action.lua"))
		for _, input := range []string{"testdata/token.yaml", "testdata/secret-ref.yaml"} {
			decodeAll(t, readFile(t, input), func(name string, obj map[string]any) {
				before, _ := json.Marshal(obj)
				var want map[string]any
				_ = json.Unmarshal(before, &want)
				start := time.Now().UTC().Truncate(time.Second)
				got, err := runActionLua(obj, script)
				if err != nil {
					t.Fatalf("%s on %s/%s: %v", tc.action, input, name, err)
				}
				m := got.(map[string]any)
				value, _ := m["metadata"].(map[string]any)["annotations"].(map[string]any)[tc.annotation].(string)
				if !stamp.MatchString(value) {
					t.Fatalf("%s on %s/%s: annotation %s = %q, want a UTC timestamp", tc.action, input, name, tc.annotation, value)
				}
				if at, err := time.Parse(time.RFC3339, value); err != nil || at.Before(start) || at.After(time.Now().UTC()) {
					t.Errorf("%s on %s/%s: %q is not now", tc.action, input, name, value)
				}
				meta := want["metadata"].(map[string]any)
				if meta["annotations"] == nil {
					meta["annotations"] = map[string]any{}
				}
				meta["annotations"].(map[string]any)[tc.annotation] = value
				if !reflect.DeepEqual(got, any(want)) {
					t.Errorf("%s on %s/%s changed more than its annotation:\n got  %v\n want %v", tc.action, input, name, got, want)
				}
			})
		}
	}
}

// The harness gives actions the safe os library only: os.execute and io are absent.
func TestActionHarnessSafeOs(t *testing.T) {
	for _, script := range []string{`local os = require("os"); os.execute("true"); return obj`, `io.write("x"); return obj`, `string.format("%s", "x"); return obj`} {
		if _, err := runActionLua(map[string]any{"metadata": map[string]any{}}, script); err == nil {
			t.Errorf("%s: ran, want an error", script)
		}
	}
}
