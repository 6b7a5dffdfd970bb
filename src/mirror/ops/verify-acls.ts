// `ferry verify`, ACLs: the topic ACLs the mirror would sync for the selected topics are present on the target.
import type { AclBinding as AdminAcl } from '../../kafka/cluster-admin.js';
import { targetTopicAcls, type AclBinding } from '../../connectors/mirror/topic-config-sync.js';
import { shouldReplicateTopic } from '../../connectors/mirror/filters.js';
import { renderMissingAcl } from './verify-render.js';
import type { AclResult, VerifyScope } from './verify-types.js';

/** The ACL check: the bindings missing on the target (worded), or why it could not be checked. */
export async function checkAcls(scope: VerifyScope): Promise<AclResult> {
  if (scope.opts.checkAcls === false) return { checked: false, missingOnTarget: [], problems: [] };
  const acls: AclResult = { checked: false, missingOnTarget: [], problems: [] };
  try {
    acls.missingOnTarget = await missingAcls(scope);
    acls.checked = true;
    acls.problems = acls.missingOnTarget.map((a) => renderMissingAcl(scope.flow.target, a));
  } catch (e) {
    acls.reason = (e as { securityDisabled?: boolean }).securityDisabled ? 'no authorizer on one of the clusters' : (e as Error).message;
  }
  return acls;
}

/** The topic ACLs the mirror would create on the target for the selected topics that the target does not have. */
async function missingAcls(scope: VerifyScope): Promise<AclBinding[]> {
  const { flow } = scope;
  const sourceAcls = await scope.src.topicAcls();
  const selected = new Set(scope.topics);
  const want = targetTopicAcls(sourceAcls.map(toBinding), {
    shouldReplicateTopic: (t) => selected.has(t) && shouldReplicateTopic(t, { policy: flow.policy, filter: flow.sourceSettings.topicFilter, targetAlias: flow.target }),
    formatRemoteTopic: (t) => flow.remoteTopic(t),
  });
  const have = new Set((await scope.tgt.topicAcls()).map((a) => aclKey(toBinding(a))));
  return want.filter((a) => !have.has(aclKey(a)));
}

/** The admin client's ACL as the mirror's binding type. */
function toBinding(a: AdminAcl): AclBinding {
  return {
    resourceType: a.resourceType === 'OTHER' ? 'UNKNOWN' : a.resourceType, resourceName: a.resourceName,
    patternType: a.patternType === 'OTHER' ? 'UNKNOWN' : a.patternType, principal: a.principal, host: a.host,
    operation: a.operation as AclBinding['operation'], permissionType: a.permission === 'OTHER' ? 'UNKNOWN' : a.permission,
  };
}

/** The identity of a binding on a topic (its resource type aside). */
function aclKey(a: AclBinding): string {
  return JSON.stringify([a.resourceName, a.patternType, a.principal, a.host, a.operation, a.permissionType]);
}
