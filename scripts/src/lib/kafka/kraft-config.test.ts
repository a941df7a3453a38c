import { test } from 'node:test';
import assert from 'node:assert/strict';
import { quorumVoters, serverProperties, type KraftNode } from './kraft-config';

const nodes: KraftNode[] = [
  { id: 1, port: 9092, controllerPort: 19001 },
  { id: 2, port: 9093, controllerPort: 19002 },
  { id: 3, port: 9094, controllerPort: 19003 },
];

/** The properties as a map, so a test names the keys it cares about. */
const parse = (text: string) => new Map(text.trim().split('\n').map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]));

test('every node of a cluster is a voter, at its controller port', () => {
  assert.equal(quorumVoters(nodes, '127.0.0.1'), '1@127.0.0.1:19001,2@127.0.0.1:19002,3@127.0.0.1:19003');
});

test('a node listens and advertises on its own ports and knows all voters', () => {
  const props = parse(serverProperties(nodes[1]!, nodes, '127.0.0.1', '/data/broker-2'));
  assert.equal(props.get('node.id'), '2');
  assert.equal(props.get('listeners'), 'PLAINTEXT://127.0.0.1:9093,CONTROLLER://127.0.0.1:19002');
  assert.equal(props.get('advertised.listeners'), 'PLAINTEXT://127.0.0.1:9093');
  assert.equal(props.get('controller.quorum.voters'), quorumVoters(nodes, '127.0.0.1'));
  assert.equal(props.get('log.dirs'), '/data/broker-2');
});

test('three nodes: three copies of everything, two in sync, never an unclean leader', () => {
  const props = parse(serverProperties(nodes[0]!, nodes, '127.0.0.1', '/d'));
  for (const key of ['default.replication.factor', 'offsets.topic.replication.factor', 'transaction.state.log.replication.factor']) {
    assert.equal(props.get(key), '3', key);
  }
  assert.equal(props.get('min.insync.replicas'), '2');
  assert.equal(props.get('transaction.state.log.min.isr'), '2');
  assert.equal(props.get('unclean.leader.election.enable'), 'false');
});

test('one node: everything fits on it', () => {
  const props = parse(serverProperties(nodes[0]!, nodes.slice(0, 1), '127.0.0.1', '/d'));
  assert.equal(props.get('controller.quorum.voters'), '1@127.0.0.1:19001');
  assert.equal(props.get('offsets.topic.replication.factor'), '1');
  assert.equal(props.get('min.insync.replicas'), '1');
});
