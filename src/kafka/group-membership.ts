// GroupMember: membership in a Kafka group through the broker's group coordinator, for groups that are not
// consumer groups (Connect workers use protocol type "connect"). kafkajs's public ConsumerGroup is tied to
// the consumer protocol, so this drives the coordinator RPCs (FindCoordinator, JoinGroup, SyncGroup,
// Heartbeat, LeaveGroup) through kafkajs's internal Cluster/Broker layer (see partition-reader.ts).
//
// The member runs one loop: join (JoinGroup; the coordinator picks the leader and the protocol), let the
// leader compute assignments, SyncGroup, hand the assignment to the handler, then stay until a rejoin is
// needed. Heartbeats run on their own timer while the member is stable, so a slow handler never makes the
// member miss its session; a heartbeat answered REBALANCE_IN_PROGRESS, UNKNOWN_MEMBER_ID or
// ILLEGAL_GENERATION makes the loop rejoin. Metadata and assignments are opaque bytes here: the caller
// (the distributed herder) encodes Connect's formats.
import type { KafkajsBroker, KafkajsCluster, KafkajsJoinGroupResponse } from './kafkajs-internals.js';
import { createLowLevelCluster } from './client.js';
import type { ClientProps } from './client.js';
import { logger } from '../observability/logger.js';

const log = logger('kafka.group');

export interface GroupProtocol { name: string; metadata: Buffer }
export interface GroupMemberMetadata { memberId: string; metadata: Buffer }

export interface JoinedGroup {
  generation: number;
  memberId: string;
  leaderId: string;
  protocol: string;
  /** Every member's metadata for the chosen protocol (only the leader receives it). */
  members: GroupMemberMetadata[];
}

export interface GroupMemberHandler {
  /**
   * Runs before every JoinGroup (eager protocols release their work here). `memberId` is '' on the first join
   * and after the membership was lost (session expired, UNKNOWN_MEMBER_ID): then the group has already given
   * this member's work to others, and any protocol must release it.
   */
  onJoinPrepare(generation: number, memberId: string): Promise<void>;
  /** The protocols this member offers, in order of preference, with current metadata. */
  protocols(): GroupProtocol[];
  /** Leader only: one assignment per member id. */
  assign(joined: JoinedGroup): Promise<Map<string, Buffer>>;
  /** The assignment this member received for `generation`. */
  onAssigned(joined: JoinedGroup, assignment: Buffer): Promise<void>;
  /** The member is no longer in a stable group (rebalance started, session lost). Optional. */
  onRebalanceStarted?(reason: string): void;
}

export interface GroupMemberOptions {
  groupId: string;
  protocolType: string;
  clientId: string;
  sessionTimeoutMs: number;
  rebalanceTimeoutMs: number;
  heartbeatIntervalMs: number;
  retryBackoffMs?: number;
}

type KafkaError = Error & { type?: string; code?: string; name: string };

export class GroupMember {
  private readonly cluster: KafkajsCluster;
  private coordinator: KafkajsBroker | null = null;
  private running = false;
  private loop: Promise<void> | null = null;
  private rejoinNeeded = true;
  private rejoinReason = 'initial join';
  private wake: (() => void) | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeating = false;
  private stable = false;
  private memberIdValue = '';
  private generationValue = -1;
  private leaderIdValue = '';
  private protocolValue: string | null = null;
  private lastHeartbeatOk = 0;

  constructor(props: ClientProps, private readonly opts: GroupMemberOptions, private readonly handler: GroupMemberHandler) {
    this.cluster = createLowLevelCluster(props, opts.clientId);
  }

  memberId(): string { return this.memberIdValue; }
  generation(): number { return this.generationValue; }
  leaderId(): string { return this.leaderIdValue; }
  isLeader(): boolean { return this.stable && this.memberIdValue !== '' && this.memberIdValue === this.leaderIdValue; }
  protocol(): string | null { return this.protocolValue; }
  isStable(): boolean { return this.stable; }

  async start(): Promise<void> {
    if (this.running) return;
    await this.cluster.connect();
    this.running = true;
    this.loop = this.run();
  }

  /** Asks for a new rebalance (JoinGroup again) as soon as the current step ends. */
  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) log.info({ group: this.opts.groupId, reason }, 'rejoining group');
    this.rejoinNeeded = true;
    this.rejoinReason = reason;
    this.wake?.();
  }

  private async run(): Promise<void> {
    let backoff = this.opts.retryBackoffMs ?? 250;
    while (this.running) {
      if (!this.rejoinNeeded) {
        await new Promise<void>((resolve) => { this.wake = resolve; });
        this.wake = null;
        continue;
      }
      try {
        await this.joinAndSync();
        backoff = this.opts.retryBackoffMs ?? 250;
      } catch (e) {
        if (!this.running) break;
        const err = e as KafkaError;
        const transient = err.type === 'GROUP_LOAD_IN_PROGRESS' || err.type === 'REBALANCE_IN_PROGRESS' || err.type === 'UNKNOWN_MEMBER_ID' || err.type === 'ILLEGAL_GENERATION';
        (transient ? log.debug.bind(log) : log.warn.bind(log))({ group: this.opts.groupId, err: err.message, type: err.type }, 'group join failed; retrying');
        this.rejoinNeeded = true;
        await this.sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => { this.wake = null; resolve(); }, ms);
      this.wake = () => { clearTimeout(t); this.wake = null; resolve(); };
    });
  }

  private async findCoordinator(): Promise<KafkajsBroker> {
    if (this.coordinator) return this.coordinator;
    this.coordinator = await this.cluster.findGroupCoordinator({ groupId: this.opts.groupId });
    return this.coordinator;
  }

  /** Forgets the coordinator after errors that say it moved or is unreachable. */
  private onCoordinatorError(err: KafkaError): void {
    if (err.type === 'NOT_COORDINATOR_FOR_GROUP' || err.type === 'GROUP_COORDINATOR_NOT_AVAILABLE' || err.type === 'NOT_COORDINATOR'
      || err.name === 'KafkaJSConnectionError' || err.name === 'KafkaJSRequestTimeoutError' || err.code === 'ECONNREFUSED') {
      this.coordinator = null;
    }
  }

  private async joinAndSync(): Promise<void> {
    this.stopHeartbeats();
    if (this.stable) this.handler.onRebalanceStarted?.(this.rejoinReason);
    this.stable = false;
    this.rejoinNeeded = false;
    await this.handler.onJoinPrepare(this.generationValue, this.memberIdValue);
    if (!this.running) return;
    const coordinator = await this.findCoordinator();
    let join: KafkajsJoinGroupResponse;
    try {
      join = await coordinator.joinGroup({
        groupId: this.opts.groupId,
        sessionTimeout: this.opts.sessionTimeoutMs,
        rebalanceTimeout: this.opts.rebalanceTimeoutMs,
        memberId: this.memberIdValue,
        protocolType: this.opts.protocolType,
        groupProtocols: this.handler.protocols().map((p) => ({ name: p.name, metadata: p.metadata })),
      });
    } catch (e) {
      const err = e as KafkaError;
      this.onCoordinatorError(err);
      if (err.type === 'UNKNOWN_MEMBER_ID' || err.type === 'FENCED_INSTANCE_ID') this.memberIdValue = '';
      this.rejoinNeeded = true;
      throw err;
    }
    const joined: JoinedGroup = {
      generation: Number(join.generationId),
      memberId: String(join.memberId),
      leaderId: String(join.leaderId),
      protocol: String(join.groupProtocol),
      members: (join.members ?? []).map((m) => ({ memberId: String(m.memberId), metadata: Buffer.from(m.memberMetadata ?? Buffer.alloc(0)) })),
    };
    this.memberIdValue = joined.memberId;
    this.generationValue = joined.generation;
    this.leaderIdValue = joined.leaderId;
    this.protocolValue = joined.protocol;
    const isLeader = joined.memberId === joined.leaderId;
    log.debug({ group: this.opts.groupId, generation: joined.generation, memberId: joined.memberId, leader: isLeader, protocol: joined.protocol }, 'joined group');
    let groupAssignment: Array<{ memberId: string; memberAssignment: Buffer }> = [];
    if (isLeader) {
      const assignments = await this.handler.assign(joined);
      groupAssignment = [...assignments].map(([memberId, memberAssignment]) => ({ memberId, memberAssignment }));
    }
    let sync: { memberAssignment?: Buffer | null };
    try {
      sync = await coordinator.syncGroup({ groupId: this.opts.groupId, generationId: joined.generation, memberId: joined.memberId, groupAssignment });
    } catch (e) {
      const err = e as KafkaError;
      this.onCoordinatorError(err);
      if (err.type === 'UNKNOWN_MEMBER_ID') this.memberIdValue = '';
      this.rejoinNeeded = true;
      throw err;
    }
    this.stable = true;
    this.lastHeartbeatOk = Date.now();
    this.startHeartbeats();
    const assignment = Buffer.from(sync.memberAssignment ?? Buffer.alloc(0));
    await this.handler.onAssigned(joined, assignment);
  }

  private startHeartbeats(): void {
    this.stopHeartbeats();
    const tick = () => {
      this.heartbeatTimer = setTimeout(() => { void this.heartbeat().finally(() => { if (this.heartbeatTimer !== null && this.stable && this.running) tick(); }); }, this.opts.heartbeatIntervalMs);
    };
    tick();
  }

  private stopHeartbeats(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  private async heartbeat(): Promise<void> {
    if (!this.stable || this.heartbeating || !this.running) return;
    this.heartbeating = true;
    try {
      const coordinator = await this.findCoordinator();
      await coordinator.heartbeat({ groupId: this.opts.groupId, groupGenerationId: this.generationValue, memberId: this.memberIdValue });
      this.lastHeartbeatOk = Date.now();
    } catch (e) {
      const err = e as KafkaError;
      if (!this.running) return;
      this.onCoordinatorError(err);
      if (err.type === 'REBALANCE_IN_PROGRESS') {
        this.stable = false;
        this.requestRejoin('group is rebalancing');
      } else if (err.type === 'UNKNOWN_MEMBER_ID' || err.type === 'ILLEGAL_GENERATION' || err.type === 'FENCED_INSTANCE_ID') {
        if (err.type !== 'ILLEGAL_GENERATION') this.memberIdValue = '';
        this.stable = false;
        this.requestRejoin(`heartbeat failed: ${err.type}`);
      } else if (Date.now() - this.lastHeartbeatOk > this.opts.sessionTimeoutMs) {
        // The coordinator has certainly expired our session by now: the member id is gone with it, and so is
        // whatever was assigned to this member (onJoinPrepare sees the reset id and releases it).
        this.memberIdValue = '';
        this.stable = false;
        this.requestRejoin(`no successful heartbeat for ${this.opts.sessionTimeoutMs} ms (${err.message})`);
      } else {
        log.debug({ group: this.opts.groupId, err: err.message }, 'heartbeat failed; will retry');
      }
    } finally {
      this.heartbeating = false;
    }
  }

  /** Leaves the group (so the others rebalance at once instead of after the session timeout) and stops. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopHeartbeats();
    this.wake?.();
    const memberId = this.memberIdValue;
    this.stable = false;
    if (memberId !== '') {
      try {
        const coordinator = await this.findCoordinator();
        await coordinator.leaveGroup({ groupId: this.opts.groupId, memberId });
      } catch (e) {
        log.debug({ group: this.opts.groupId, err: (e as Error).message }, 'leave group failed');
      }
    }
    // Disconnecting fails a JoinGroup still waiting at the coordinator, so the loop ends promptly.
    await this.cluster.disconnect().catch(() => undefined);
    await this.loop?.catch(() => undefined);
    this.loop = null;
  }
}
