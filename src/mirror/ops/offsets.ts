// Committing a consumer group's offsets from outside the group (failover/failback/migration). The request
// lives in ClusterAdmin.setGroupOffsets; this keeps the operations' one-call form.
import type { ClientProps } from '../../kafka/client.js';
import { withClusterAdmin, GroupActiveError } from '../../kafka/cluster-admin.js';

export { GroupActiveError };

/** Commits offsets for a group that has no active members; throws GroupActiveError if it has some. */
export async function commitGroupOffsets(props: ClientProps, groupId: string, offsets: readonly { topic: string; partition: number; offset: number; metadata?: string }[]): Promise<void> {
  if (offsets.length === 0) return;
  return withClusterAdmin(props, async (admin) => {
    await admin.setGroupOffsets(groupId, offsets);
  }, 'ferry-ops-commit');
}
