// Runs manifests/argocd/health.lua the way Argo CD does (github.com/argoproj/argo-cd util/lua):
// gopher-lua, the object converted to Lua tables by the same rules as Argo CD's decodeValue and set
// as the global `obj`, the returned table read back as {status, message}. Cases come from
// manifests/argocd/health_test.yaml, in the format of Argo CD's resource_customizations tests.
//
// Run with `go test -count=1 ./...`: go caches test results and does not notice edits to files
// outside this module, such as health.lua and its cases.
package argocdhealth

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	"sigs.k8s.io/yaml"
)

const (
	manifestsDir = "../../manifests/argocd"
	scriptFile   = "health.lua"
	testsFile    = "health_test.yaml"

	// Argo CD's message for a status outside its HealthStatusCode list.
	invalidHealthStatus = "Lua returned an invalid health status"
)

// healthStatus mirrors gitops-engine's health.HealthStatus (the part a health script sets).
type healthStatus struct {
	Status      string `json:"status,omitempty"`
	Message     string `json:"message,omitempty"`
	AggregateAs string `json:"aggregateAs,omitempty"`
}

type testStructure struct {
	Tests []individualTest `json:"tests"`
}

type individualTest struct {
	InputPath    string       `json:"inputPath"`
	HealthStatus healthStatus `json:"healthStatus"`
}

var validHealthStatuses = map[string]bool{
	"Unknown": true, "Progressing": true, "Suspended": true, "Healthy": true, "Degraded": true, "Missing": true,
}

// vmOptions are the two ways Argo CD runs a health script.
type vmOptions struct {
	// useOpenLibs is false for scripts from argocd-cm unless
	// resource.customizations.useOpenLibs.<group_kind> is "true"; then only the base, package,
	// table and a "safe" os library are loaded (string, math, io ... are absent).
	useOpenLibs bool
}

// runArgoLua mimics Argo CD's VM.runLua: the libraries it opens, the object as the global `obj`, one second;
// the returned table comes back as JSON (Argo CD encodes it with layeh.com/gopher-json). With safeOs the "safe"
// os library Argo CD gives resource actions is loaded (time and date only, also through require("os")); health
// checks are run without it, so a health script that needs it fails its test instead of passing with it.
func runArgoLua(obj map[string]any, script string, opts vmOptions, safeOs bool) ([]byte, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: !opts.useOpenLibs})
	defer l.Close()
	libs := []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	}
	if safeOs {
		libs = append(libs, struct {
			name string
			open lua.LGFunction
		}{lua.OsLibName, lua.OpenOs})
	}
	for _, lib := range libs {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return nil, fmt.Errorf("opening Lua library %q: %w", lib.name, err)
		}
	}
	if safeOs {
		full := l.GetGlobal(lua.OsLibName).(*lua.LTable)
		safe := l.NewTable()
		safe.RawSetString("time", full.RawGetString("time"))
		safe.RawSetString("date", full.RawGetString("date"))
		l.SetGlobal(lua.OsLibName, safe)
		l.GetField(l.GetField(l.Get(lua.GlobalsIndex), "package"), "loaded").(*lua.LTable).RawSetString(lua.OsLibName, lua.LNil)
		l.PreloadModule(lua.OsLibName, func(l *lua.LState) int {
			l.Push(safe)
			return 1
		})
	}
	// Argo CD gives a script one second.
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)

	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(script); err != nil {
		return nil, err
	}
	ret := l.Get(-1)
	if ret.Type() != lua.LTTable {
		return nil, fmt.Errorf("expect table output from Lua script, not %s", ret.Type().String())
	}
	goValue, err := encodeValue(ret, 0)
	if err != nil {
		return nil, err
	}
	return json.Marshal(goValue)
}

// runHealthLua mimics Argo CD's VM.ExecuteHealthLua.
func runHealthLua(obj map[string]any, script string, opts vmOptions) (*healthStatus, error) {
	jsonBytes, err := runArgoLua(obj, script, opts, false)
	if err != nil {
		return nil, err
	}
	hs := &healthStatus{}
	if err := json.Unmarshal(jsonBytes, hs); err != nil {
		return nil, fmt.Errorf("health script returned %s: %w", jsonBytes, err)
	}
	if !validHealthStatuses[hs.Status] {
		return &healthStatus{Status: "Unknown", Message: invalidHealthStatus}, nil
	}
	return hs, nil
}

// decodeValue is Argo CD's util/lua decodeValue: JSON objects become hash tables, JSON arrays become
// tables indexed from 1 (Append), numbers (float64 from YAML/JSON, int64 from the API server's
// decoder) become Lua numbers, json.Number becomes a string, null and anything else become nil.
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch converted := value.(type) {
	case bool:
		return lua.LBool(converted)
	case float64:
		return lua.LNumber(converted)
	case string:
		return lua.LString(converted)
	case json.Number:
		return lua.LString(converted)
	case int:
		return lua.LNumber(converted)
	case int32:
		return lua.LNumber(converted)
	case int64:
		return lua.LNumber(converted)
	case []any:
		arr := l.CreateTable(len(converted), 0)
		for _, item := range converted {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(converted))
		for key, item := range converted {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// encodeValue converts a returned Lua value to Go the way layeh.com/gopher-json encodes it: a table
// with a non-empty array part (or no keys at all) is an array, any other table an object with string keys.
func encodeValue(value lua.LValue, depth int) (any, error) {
	if depth > 100 {
		return nil, fmt.Errorf("nested table too deep")
	}
	switch v := value.(type) {
	case lua.LBool:
		return bool(v), nil
	case lua.LNumber:
		return float64(v), nil
	case lua.LString:
		return string(v), nil
	case *lua.LNilType:
		return nil, nil
	case *lua.LTable:
		key, _ := v.Next(lua.LNil)
		if key == lua.LNil || v.MaxN() > 0 {
			arr := []any{}
			for i := 1; i <= v.MaxN(); i++ {
				item, err := encodeValue(v.RawGetInt(i), depth+1)
				if err != nil {
					return nil, err
				}
				arr = append(arr, item)
			}
			return arr, nil
		}
		obj := map[string]any{}
		var err error
		v.ForEach(func(k, item lua.LValue) {
			if err != nil {
				return
			}
			ks, ok := k.(lua.LString)
			if !ok {
				err = fmt.Errorf("cannot encode a table with a %s key", k.Type())
				return
			}
			obj[string(ks)], err = encodeValue(item, depth+1)
		})
		return obj, err
	}
	return nil, fmt.Errorf("cannot encode a Lua %s", value.Type())
}

// The two shapes in which Argo CD hands objects to decodeValue.
type objectDecoder struct {
	name   string
	decode func([]byte) (map[string]any, error)
}

var objectDecoders = []objectDecoder{
	// Argo CD's own health tests: sigs.k8s.io/yaml into map[string]any (numbers are float64).
	{"yaml", func(b []byte) (map[string]any, error) {
		obj := map[string]any{}
		err := yaml.Unmarshal(b, &obj)
		return obj, err
	}},
	// The controller's live objects: the API server's JSON decoded like apimachinery's unstructured
	// decoder does (whole numbers int64, others float64).
	{"apiserver", func(b []byte) (map[string]any, error) {
		j, err := yaml.YAMLToJSON(b)
		if err != nil {
			return nil, err
		}
		dec := json.NewDecoder(bytes.NewReader(j))
		dec.UseNumber()
		obj := map[string]any{}
		if err := dec.Decode(&obj); err != nil {
			return nil, err
		}
		converted, err := convertNumbers(obj)
		if err != nil {
			return nil, err
		}
		return converted.(map[string]any), nil
	}},
}

func convertNumbers(value any) (any, error) {
	switch v := value.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return i, nil
		}
		return v.Float64()
	case []any:
		for i, item := range v {
			c, err := convertNumbers(item)
			if err != nil {
				return nil, err
			}
			v[i] = c
		}
	case map[string]any:
		for k, item := range v {
			c, err := convertNumbers(item)
			if err != nil {
				return nil, err
			}
			v[k] = c
		}
	}
	return value, nil
}

func readScript(t *testing.T) string {
	t.Helper()
	script, err := os.ReadFile(filepath.Join(manifestsDir, scriptFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(script)
}

func readTests(t *testing.T) []individualTest {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(manifestsDir, testsFile))
	if err != nil {
		t.Fatal(err)
	}
	var tests testStructure
	if err := yaml.UnmarshalStrict(b, &tests); err != nil {
		t.Fatalf("parsing %s: %v", testsFile, err)
	}
	if len(tests.Tests) == 0 {
		t.Fatalf("%s has no tests", testsFile)
	}
	return tests.Tests
}

func TestHealthLua(t *testing.T) {
	script := readScript(t)
	for _, tc := range readTests(t) {
		t.Run(tc.InputPath, func(t *testing.T) {
			if tc.HealthStatus.Status == "" {
				t.Fatalf("%s: healthStatus.status is empty", tc.InputPath)
			}
			input, err := os.ReadFile(filepath.Join(manifestsDir, tc.InputPath))
			if err != nil {
				t.Fatal(err)
			}
			for _, decoder := range objectDecoders {
				for _, opts := range []vmOptions{{useOpenLibs: false}, {useOpenLibs: true}} {
					name := fmt.Sprintf("%s/openLibs=%t", decoder.name, opts.useOpenLibs)
					t.Run(name, func(t *testing.T) {
						obj, err := decoder.decode(input)
						if err != nil {
							t.Fatalf("decoding %s: %v", tc.InputPath, err)
						}
						got, err := runHealthLua(obj, script, opts)
						if err != nil {
							t.Fatalf("health.lua failed on %s: %v", tc.InputPath, err)
						}
						if *got != tc.HealthStatus {
							t.Errorf("%s:\n got  %+v\n want %+v", tc.InputPath, *got, tc.HealthStatus)
						}
					})
				}
			}
		})
	}
}

// Every file in testdata/ is a case in health_test.yaml, and every case's file exists.
func TestEveryTestdataFileIsACase(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(manifestsDir, "testdata", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	inTests := map[string]bool{}
	for _, tc := range readTests(t) {
		if inTests[tc.InputPath] {
			t.Errorf("%s is listed twice", tc.InputPath)
		}
		inTests[tc.InputPath] = true
	}
	var missing []string
	for _, f := range files {
		rel, err := filepath.Rel(manifestsDir, f)
		if err != nil {
			t.Fatal(err)
		}
		rel = filepath.ToSlash(rel)
		if !inTests[rel] {
			missing = append(missing, rel)
		}
		delete(inTests, rel)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("not in %s: %s", testsFile, strings.Join(missing, ", "))
	}
	for p := range inTests {
		t.Errorf("%s lists %s, which does not exist", testsFile, p)
	}
}

// The harness itself: runtime errors, wrong return values and invalid statuses are not swallowed,
// and JSON arrays are indexed from 1 as in Argo CD.
func TestHarness(t *testing.T) {
	obj := map[string]any{
		"metadata": map[string]any{"name": "x", "generation": int64(2)},
		"status":   map[string]any{"conditions": []any{map[string]any{"type": "Ready"}}},
	}
	for _, tc := range []struct {
		name, script string
		want         *healthStatus
		wantErr      string
	}{
		{name: "runtime error", script: `return { status = obj.status.missing.field }`, wantErr: "attempt to index"},
		{name: "string library is absent", script: `return { status = string.format("%s", "Healthy") }`, wantErr: "string"},
		{name: "no return value", script: `local hs = {}`, wantErr: "expect table output"},
		{name: "invalid status", script: `return { status = "Fine" }`, want: &healthStatus{Status: "Unknown", Message: invalidHealthStatus}},
		{name: "arrays from 1", script: `return { status = "Healthy", message = obj.status.conditions[1].type .. tostring(obj.status.conditions[0]) }`,
			want: &healthStatus{Status: "Healthy", Message: "Readynil"}},
		{name: "whole numbers print as integers", script: `return { status = "Healthy", message = "g" .. obj.metadata.generation }`,
			want: &healthStatus{Status: "Healthy", Message: "g2"}},
		{name: "endless loop hits the timeout", script: `while true do end`, wantErr: "context deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := runHealthLua(obj, tc.script, vmOptions{})
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if *got != *tc.want {
				t.Errorf("got %+v, want %+v", *got, *tc.want)
			}
		})
	}
}
