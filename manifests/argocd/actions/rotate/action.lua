-- Argo CD action "rotate" on a TcrAccess: a new tcr.tke.dev/rotate value makes the operator mint a new instance
-- token through the same guard as scheduled rotation (what `kubectl tcr-access rotate <name>` does).
local os = require("os")
if obj.metadata.annotations == nil then
  obj.metadata.annotations = {}
end
obj.metadata.annotations["tcr.tke.dev/rotate"] = os.date("!%Y-%m-%dT%H:%M:%SZ")
return obj
