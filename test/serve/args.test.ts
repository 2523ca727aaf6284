import { expect } from 'chai';
import { parseDemoArgs, parseServeArgs } from '../../src/cli/serve-args.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { cli, ensureBuilt } from '../cli/cli-run.js';

describe('serve: command-line arguments', () => {
  describe('parseServeArgs', () => {
    it('defaults: TUN, ports 80/7/9, addresses left to the session defaults', () => {
      expect(parseServeArgs([])).to.deep.equal({ memory: false, ports: { httpPort: 80, echoPort: 7, discardPort: 9 } });
    });

    it('takes every flag, with repeated addresses in order', () => {
      expect(
        parseServeArgs([
          '--name',
          'tw%d',
          '--mtu',
          '9000',
          '--address',
          '198.51.100.2/24',
          '--address',
          '2001:db8::2/64',
          '--host-address',
          '198.51.100.1/24',
          '--netns',
          'ns-1',
          '--http-port',
          '8080',
          '--echo-port',
          '7007',
          '--discard-port',
          '9009',
        ]),
      ).to.deep.equal({
        memory: false,
        name: 'tw%d',
        mtu: 9000,
        netns: 'ns-1',
        addresses: ['198.51.100.2/24', '2001:db8::2/64'],
        hostAddresses: ['198.51.100.1/24'],
        ports: { httpPort: 8080, echoPort: 7007, discardPort: 9009 },
      });
      expect(
        parseServeArgs(['--memory', '--mtu', '576', '--address', '10.0.0.2/8', '--host-address', '10.0.0.1/8']),
      ).to.deep.include({ memory: true, mtu: 576 });
    });

    const bad: Array<[string[], RegExp]> = [
      [['--bogus'], /Unknown option '--bogus'/],
      [['extra'], /positional argument/],
      [['--mtu', '67'], /--mtu expects a whole number from 68 to 65535/],
      [['--mtu', '70000'], /--mtu expects/],
      [['--mtu', '1000'], /below IPv6's minimum of 1280/],
      [['--address', '198.51.100.2'], /--address expects ADDRESS\/PREFIX/],
      [['--address', '198.51.100.300/24'], /--address: not an IPv4 or IPv6 address: "198.51.100.300"/],
      [['--address', '198.51.100.2/33'], /prefix length of 198.51.100.2 must be 0..32/],
      [['--host-address', '2001:db8::1/129'], /prefix length of 2001:db8::1 must be 0..128/],
      [['--http-port', '0'], /--http-port expects a port from 1 to 65535/],
      [['--echo-port', '65536'], /--echo-port expects a port/],
      [['--discard-port', '80'], /ports must differ, got 80, 7 and 80/],
      [['--name', 'a/b'], /--name expects an interface name/],
      [['--name', 'sixteen-chars-xx'], /--name expects/],
      [['--netns', 'bad name'], /--netns expects a namespace name/],
      [['--memory', '--netns', 'x'], /do not go with --memory/],
      [['--mtu'], /argument missing/],
    ];
    for (const [args, message] of bad) {
      it(`rejects ${args.join(' ')}`, () => {
        expect(() => parseServeArgs(args)).to.throw(UsageError, message);
      });
    }
  });

  describe('parseDemoArgs', () => {
    it('reads --memory, --require-tun and --once', () => {
      expect(parseDemoArgs([])).to.deep.equal({ memory: false, requireTun: false, once: false });
      expect(parseDemoArgs(['--memory', '--once'])).to.deep.equal({ memory: true, requireTun: false, once: true });
      expect(parseDemoArgs(['--require-tun'])).to.deep.equal({ memory: false, requireTun: true, once: false });
    });

    it('rejects contradictions and unknown flags', () => {
      expect(() => parseDemoArgs(['--memory', '--require-tun'])).to.throw(UsageError, /contradict/);
      expect(() => parseDemoArgs(['--port', '1'])).to.throw(UsageError, /Unknown option '--port'/);
    });
  });

  describe('the built command', function () {
    before(function () {
      ensureBuilt(this);
    });

    it('a bad serve flag is a usage error: exit 1, the reason and the usage on stderr, nothing served', () => {
      const run = cli('serve', '--mtu', 'big');
      expect(run.status).to.equal(1);
      expect(run.stdout).to.equal('');
      expect(run.stderr).to.match(/^tcpwasm serve: --mtu expects a whole number from 68 to 65535, got "big"\n/);
      expect(run.stderr).to.include('Usage:');
      expect(run.stderr).to.include('--host-address A/P');
    });

    it('a bad demo flag is a usage error too', () => {
      const run = cli('demo', '--fast');
      expect(run.status).to.equal(1);
      expect(run.stderr).to.match(/^tcpwasm demo: Unknown option '--fast'/);
    });

    it('--help lists serve, demo and their options', () => {
      const run = cli('--help');
      expect(run.status).to.equal(0);
      expect(run.stdout).to.match(/tcpwasm serve \[options\]/);
      expect(run.stdout).to.match(/tcpwasm demo \[options\]/);
      expect(run.stdout).to.include('--netns NS');
      expect(run.stdout).to.include('--require-tun');
    });
  });
});
