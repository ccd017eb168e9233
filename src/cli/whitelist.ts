// `palisade whitelist add|remove|list`: addresses never blocked. Built-in entries (loopback, the
// host's own addresses, the SSH client that started the daemon, the config's list) are shown with
// why they are there; run-time additions are kept in the store across restarts.

import { Command } from 'commander';
import type { ChangeResult, WhitelistRow } from '../daemon/control-types.js';
import { addDaemonOptions, callDaemon, printJson, table, type DaemonFlags } from './daemon-client.js';
import { printChange } from './block.js';

export function whitelistCommand(): Command {
  const cmd = new Command('whitelist').summary('list, add or remove never-blocked addresses and networks');
  const list = new Command('list').summary('list the whitelist and why each entry is there');
  addDaemonOptions(list).action(async (f: DaemonFlags) => {
    const rows = (await callDaemon(f, 'whitelist_list')) as WhitelistRow[];
    if (f.output === 'json') return printJson(rows);
    process.stdout.write(table(rows.map((r) => [r.cidr, r.why]), ['address/network', 'why']));
  });
  const add = new Command('add').summary('never block this address/network (lifts a block it covers)').argument('<cidr>');
  addDaemonOptions(add).action(async (cidr: string, f: DaemonFlags) => printChange(f, (await callDaemon(f, 'whitelist_add', { cidr })) as ChangeResult));
  const remove = new Command('remove').summary('remove a run-time whitelist entry').argument('<cidr>');
  addDaemonOptions(remove).action(async (cidr: string, f: DaemonFlags) => printChange(f, (await callDaemon(f, 'whitelist_remove', { cidr })) as ChangeResult));
  cmd.addCommand(list).addCommand(add).addCommand(remove);
  return cmd;
}
