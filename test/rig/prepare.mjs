// Prepares the real peers the tests talk to, on a fresh Debian machine:
// - installs librdkafka-dev when its mock-cluster header is missing (as root, via apt-get),
// - compiles test/rig/kafka-mock.c into test/rig/bin/kafka-mock when it is missing or older than its source.
// When KAFKA_BROKERS is set the tests use that cluster and nothing is built.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const source = join(here, 'kafka-mock.c');
const binary = join(here, 'bin', 'kafka-mock');
const header = '/usr/include/librdkafka/rdkafka_mock.h';

function run(cmd, args) {
  console.error(`[rig] ${cmd} ${args.join(' ')}`);
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

if (process.env.KAFKA_BROKERS) {
  console.error(`[rig] KAFKA_BROKERS=${process.env.KAFKA_BROKERS}: using that cluster, no mock is built`);
} else {
  if (!existsSync(header)) {
    if (process.getuid?.() !== 0) {
      console.error(`[rig] ${header} is missing: install librdkafka-dev (apt-get install -y librdkafka-dev) as root`);
      process.exit(1);
    }
    run('apt-get', ['update', '-qq']);
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'librdkafka-dev', 'gcc', 'libc6-dev']);
  }
  if (!existsSync(binary) || statSync(binary).mtimeMs < statSync(source).mtimeMs) {
    mkdirSync(dirname(binary), { recursive: true });
    run('cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-o', binary, source, '-lrdkafka']);
  }
  console.error(`[rig] kafka mock cluster helper: ${binary}`);
}
