-- Argo CD health check for tcr.tke.dev/TcrAccess.
--
-- Install it as `resource.customizations.health.tcr.tke.dev_TcrAccess` in argocd-cm (see README.md).
-- Argo CD runs scripts from argocd-cm WITHOUT the Lua standard libraries (no `string`, `math`, `io`):
-- only the base functions (pairs, ipairs, tostring, type, ...) and `table` are used here.
-- Tested by test/argocd (gopher-lua, as Argo CD runs it) against health_test.yaml.
--
-- The global `obj` is the TcrAccess as a Lua table; JSON arrays are tables indexed from 1.

-- Ready reasons that need a person to act: Degraded. Every other non-Ready reason is transient
-- (the operator keeps retrying): Progressing.
-- Keep in sync with PermanentReasons in src/api/v1alpha1/conditions.ts
-- (checked by test/unit/argocd-health-sync.test.ts).
local PERMANENT_REASONS = {
  ["SourceNotAllowed"] = true,
  ["InvalidSpec"] = true,
  ["ServerNotInstanceDomain"] = true,
  ["AmbientCredentialsDisabled"] = true,
  ["SourceSecretNotFound"] = true,
  ["SourceSecretInvalid"] = true,
  ["SecretConflict"] = true,
  ["NotSupported"] = true,
  ["CleanupBlocked"] = true,
  ["InstanceNotFound"] = true,
  ["DnsFailed"] = true,
  ["EditionUnsupported"] = true,
  ["NatGatewayNotFound"] = true,
  ["NatGatewayFailed"] = true,
  ["InvalidNetworkSpec"] = true,
  ["SubnetNotFound"] = true,
  ["DefaultRouteConflict"] = true,
  ["SharedRouteTable"] = true,
  ["CloudAuthFailed"] = true,
  ["CloudQuotaExceeded"] = true,
  ["CloudRequestInvalid"] = true,
  ["NoCloudCredentials"] = true,
  ["VpcNotFound"] = true,
}

local hs = {}

local function nonEmpty(s)
  return type(s) == "string" and s ~= ""
end

-- The Ready condition's message, or its reason when the message is empty.
local function describe(cond, fallback)
  if cond ~= nil then
    if nonEmpty(cond.message) then
      return cond.message
    end
    if nonEmpty(cond.reason) then
      return cond.reason
    end
  end
  return fallback
end

local function findReady(status)
  if status == nil or type(status.conditions) ~= "table" then
    return nil
  end
  for _, cond in ipairs(status.conditions) do
    if type(cond) == "table" and cond.type == "Ready" then
      return cond
    end
  end
  return nil
end

local metadata = obj.metadata or {}
local status = obj.status
local generation = metadata.generation
local ready = findReady(status)

-- Deleting first: marking an object with finalizers as deleted bumps metadata.generation, and the
-- operator's cleanup progress is reported on the Ready condition (Deleting / CleanupBlocked).
-- (Argo CD itself reports "Pending deletion" for objects being deleted without running health
-- scripts; this branch keeps the script right when it is run directly, as test/argocd does.)
if metadata.deletionTimestamp ~= nil then
  if ready ~= nil and ready.reason == "CleanupBlocked" then
    hs.status = "Degraded"
  else
    hs.status = "Progressing"
  end
  hs.message = describe(ready, "TcrAccess is being deleted")
  return hs
end

local function waitingMessage()
  if generation ~= nil then
    return "Waiting for the operator to observe generation " .. tostring(generation)
  end
  return "Waiting for the operator to observe the TcrAccess"
end

-- Not yet (or not in this generation) reconciled: the conditions, if any, describe an older spec.
if status == nil or type(status.conditions) ~= "table" or status.conditions[1] == nil
    or status.observedGeneration == nil
    or (generation ~= nil and status.observedGeneration < generation) then
  hs.status = "Progressing"
  hs.message = waitingMessage()
  return hs
end

if ready == nil then
  hs.status = "Progressing"
  hs.message = "Waiting for the Ready condition"
  return hs
end

if ready.status == "True" then
  hs.status = "Healthy"
  hs.message = describe(ready, "Ready")
  return hs
end

-- False or Unknown: Degraded when a person must act, Progressing while the operator retries.
if ready.reason ~= nil and PERMANENT_REASONS[ready.reason] then
  hs.status = "Degraded"
else
  hs.status = "Progressing"
end
hs.message = describe(ready, "Not ready")
return hs
