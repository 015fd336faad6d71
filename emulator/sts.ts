// STS (sts.tencentcloudapi.com, 2018-08-13): AssumeRoleWithWebIdentity, the call OIDCRoleArnCredential makes
// (unsigned, `Authorization: SKIP`) for TKE pod identity. It mints temporary credentials that the emulator
// then accepts on TCR and VPC calls signed with TmpSecretKey and carrying X-TC-Token.

import type { Client as StsClient } from 'tencentcloud-sdk-nodejs/tencentcloud/services/sts/v20180813/sts_client.js';
import type {
  AssumeRoleWithWebIdentityRequest,
  AssumeRoleWithWebIdentityResponse,
} from 'tencentcloud-sdk-nodejs/tencentcloud/services/sts/v20180813/sts_models.js';
import { isoSeconds, runtimeActions, type ActionTable, type CallContext, type Reply } from './actions.ts';
import { fail } from './errors.ts';
import { randomString } from './world.ts';

export const STS_VERSION = '2018-08-13';

const ROLE_ARN_RE = /^qcs::cam::uin\/(\d+):role(?:Name)?\/(.+)$/;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const DEFAULT_DURATION_S = 7200;
const MAX_DURATION_S = 43200;

export function assumeRoleWithWebIdentity(ctx: CallContext, req: AssumeRoleWithWebIdentityRequest): Reply<AssumeRoleWithWebIdentityResponse> {
  const m = ROLE_ARN_RE.exec(req.RoleArn);
  if (!m || !m[1] || !m[2]) fail('InvalidParameter.ParamError', `RoleArn \`${req.RoleArn}\` is not of the form qcs::cam::uin/<uin>:roleName/<name>.`);
  const [, uin, role] = m;
  const acc = ctx.world.accounts.get(uin);
  if (!acc || (acc.roles && !acc.roles.includes(role))) fail('InternalError.GetRoleError', `The role \`${role}\` does not exist in account ${uin}.`);
  if (!req.RoleSessionName) fail('InvalidParameter.ParamError', 'RoleSessionName must not be empty.');
  if (acc.oidcProviders && !acc.oidcProviders.includes(req.ProviderId)) fail('InvalidParameter.ParamError', `The identity provider \`${req.ProviderId}\` does not exist.`);
  if (!req.WebIdentityToken || (acc.webIdentityTokens && !acc.webIdentityTokens.includes(req.WebIdentityToken))) {
    fail('InvalidParameter.WebIdentityTokenError', 'The web identity token is invalid.');
  }
  const duration = req.DurationSeconds ?? DEFAULT_DURATION_S;
  if (duration <= 0 || duration > MAX_DURATION_S) fail('InvalidParameter.OverLimit', `DurationSeconds must be between 1 and ${MAX_DURATION_S}.`);
  const expiresAt = ctx.now + duration * 1000;
  const secretId = `AKID${randomString(32, ALNUM)}`;
  const secretKey = randomString(32, ALNUM);
  const token = randomString(160, ALNUM);
  ctx.world.credentials.set(secretId, { secretId, secretKey, uin: acc.uin, token, expiresAt });
  return {
    Credentials: { TmpSecretId: secretId, TmpSecretKey: secretKey, Token: token },
    ExpiredTime: Math.floor(expiresAt / 1000),
    Expiration: isoSeconds(expiresAt),
  };
}

export const stsActions: ActionTable<StsClient> = {
  AssumeRoleWithWebIdentity: {
    mutating: true,
    schema: {
      ProviderId: { type: 'string', required: true },
      WebIdentityToken: { type: 'string', required: true },
      RoleArn: { type: 'string', required: true },
      RoleSessionName: { type: 'string', required: true },
      DurationSeconds: { type: 'integer', required: false },
    },
    handler: assumeRoleWithWebIdentity,
  },
};

export const stsRuntimeActions = runtimeActions(stsActions);
