-- Argo CD action "sync" on a TcrAccess: a new tcr.tke.dev/force-sync value makes the operator re-check every
-- namespace, the cloud step and the probe once (what `kubectl tcr-access sync <name>` does).
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["tcr.tke.dev/force-sync"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
