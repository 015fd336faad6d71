-- Argo CD resource actions for tcr.tke.dev/TcrAccess: which actions the UI offers for this object.
-- "sync" re-checks everything now; "rotate" mints a new instance token now (only with credentials.instanceToken).
local actions = {}
actions["sync"] = {["disabled"] = false}
local hasTokens = obj.spec ~= nil and obj.spec.credentials ~= nil and obj.spec.credentials.instanceToken ~= nil
actions["rotate"] = {["disabled"] = not hasTokens}
return actions
