/**
 * A consumer group of the embedded bus: its live members and who owns which partition.
 *
 * Partitions are dealt round-robin among the members subscribed to their topic, in join order,
 * and dealt again whenever a member joins or leaves. A member that keeps a partition keeps its
 * state for it (back-off, in-flight batch); a member that loses one stops committing it (see
 * EmbeddedConsumer). Offsets belong to the topic (TopicLog), not to the group object, so they
 * survive the group having no members at all.
 */
import type { TopicLog } from './topic-log.js';

export interface PartitionRef {
  readonly log: TopicLog;
  readonly partition: number;
}

export interface GroupMember {
  readonly topics: readonly string[];
  readonly from: 'earliest' | 'latest';
  /** Where a partition with no committed offset starts instead of `from` (ConsumerOptions.from_time_ms). */
  readonly from_time_ms: number | undefined;
  /** Replaces the member's assignment (called synchronously, so never mid-batch). */
  assign(partitions: PartitionRef[]): void;
}

export class EmbeddedGroup {
  private readonly members: GroupMember[] = [];

  constructor(
    readonly id: string,
    private readonly topicLog: (name: string) => TopicLog,
  ) {}

  get size(): number {
    return this.members.length;
  }

  join(member: GroupMember): void {
    for (const topic of member.topics) this.topicLog(topic).subscribe(this.id, member.from, member.from_time_ms);
    this.members.push(member);
    this.rebalance();
  }

  leave(member: GroupMember): void {
    const index = this.members.indexOf(member);
    if (index === -1) return;
    this.members.splice(index, 1);
    member.assign([]);
    this.rebalance();
  }

  private rebalance(): void {
    const dealt = new Map<GroupMember, PartitionRef[]>(this.members.map((member) => [member, []]));
    const topics = [...new Set(this.members.flatMap((member) => member.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const eligible = this.members.filter((member) => member.topics.includes(topic));
      const log = this.topicLog(topic);
      for (let partition = 0; partition < log.partitions.length; partition++) {
        const owner = eligible[turn % eligible.length] as GroupMember;
        turn += 1;
        (dealt.get(owner) as PartitionRef[]).push({ log, partition });
      }
    }
    for (const [member, partitions] of dealt) member.assign(partitions);
  }
}
