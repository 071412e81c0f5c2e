import { PartitionAssigners, type Cluster, type PartitionAssigner } from 'kafkajs';

/**
 * kafkajs' round-robin assigner, also handing over the consumer's cluster connection: the only public way to reach
 * the group coordinator of a consumer (see `leaveStaleMember`).
 */
export function roundRobinCapturingCluster(capture: (cluster: Cluster) => void): PartitionAssigner {
  return (config) => {
    capture(config.cluster);
    return PartitionAssigners.roundRobin(config);
  };
}

interface LeavingBroker {
  leaveGroup(request: { groupId: string; memberId: string }): Promise<unknown>;
}

/**
 * Takes this process's previous member of `groupId` out of the group, before a new session joins it.
 *
 * kafkajs gives every session a new member id, and the previous one, cut off by the outage, never left. After a
 * broker restart the coordinator reloads it from the log as a live member, so the new member's join waits for it
 * to rejoin or for its session timeout (10 s here): measured, every consumer rejoined about 10 s after the broker
 * returned. Leaving it first lets the join complete at once. Best effort: `false` when the coordinator did not
 * answer or no longer knew the member.
 */
export async function leaveStaleMember(
  cluster: Cluster,
  groupId: string,
  memberId: string,
): Promise<boolean> {
  try {
    const coordinator = (await cluster.findGroupCoordinator({
      groupId,
    })) as unknown as Partial<LeavingBroker>;
    if (typeof coordinator.leaveGroup !== 'function') return false;
    await coordinator.leaveGroup({ groupId, memberId });
    return true;
  } catch {
    return false;
  }
}
