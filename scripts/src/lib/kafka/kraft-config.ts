import { topicReplication } from '@ftlab/shared';

/** One KRaft node: broker and controller in one process, reached on `host`. */
export interface KraftNode {
  /** node.id, 1-based: broker-1 is node 1. */
  id: number;
  /** Client (PLAINTEXT) port. */
  port: number;
  /** KRaft controller port, fixed for the cluster's lifetime: every node lists it in its voters. */
  controllerPort: number;
}

/** `controller.quorum.voters`: every node is a voter, so the controller quorum is a majority of the nodes. */
export function quorumVoters(nodes: readonly KraftNode[], host: string): string {
  return nodes.map((n) => `${n.id}@${host}:${n.controllerPort}`).join(',');
}

/**
 * server.properties of `node` in a cluster of `nodes` (each broker+controller), tuned for a lab
 * on a small shared host. Internal topics and broker defaults get the same replication as the
 * project's topics (topicReplication): one copy on one broker, three with two in sync on three.
 */
export function serverProperties(node: KraftNode, nodes: readonly KraftNode[], host: string, logDirs: string): string {
  const { replicationFactor, minInsyncReplicas } = topicReplication(nodes.length);
  return [
    'process.roles=broker,controller',
    `node.id=${node.id}`,
    `controller.quorum.voters=${quorumVoters(nodes, host)}`,
    `listeners=PLAINTEXT://${host}:${node.port},CONTROLLER://${host}:${node.controllerPort}`,
    `advertised.listeners=PLAINTEXT://${host}:${node.port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    // Topics are created explicitly (ensureTopics): a typo in a topic name must fail, not create a topic.
    'auto.create.topics.enable=false',
    `default.replication.factor=${replicationFactor}`,
    `min.insync.replicas=${minInsyncReplicas}`,
    `offsets.topic.replication.factor=${replicationFactor}`,
    `transaction.state.log.replication.factor=${replicationFactor}`,
    `transaction.state.log.min.isr=${minInsyncReplicas}`,
    // Never elect a leader that lacks acknowledged writes: losing availability beats losing orders.
    'unclean.leader.election.enable=false',
    // A killed broker is fenced, and its partitions get new leaders, after this long without a
    // heartbeat (default 9 s). Shorter is a shorter write stall for the partitions it led; much
    // shorter fences brokers that a busy host merely delayed.
    'broker.heartbeat.interval.ms=1000',
    'broker.session.timeout.ms=5000',
    // Consumers join at once instead of waiting 3 s for more members, and tests may use short sessions.
    'group.initial.rebalance.delay.ms=0',
    'group.min.session.timeout.ms=1000',
    // Two cores: a few request threads hand work over with fewer wake-ups than Kafka's 3 + 8.
    'num.network.threads=2',
    'num.io.threads=2',
    '',
  ].join('\n');
}
