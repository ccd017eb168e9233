// A plan is what a backend's command builder produces: argument arrays and stdin batches, plus
// the shell text a user could type to do the same. The real backends run a plan, the dry-run
// backend only shows it; both render the text with showPlan, so the two cannot differ.

export interface Step {
  /** Program and arguments, run without a shell. */
  argv: readonly string[];
  /** Batch fed on stdin (nft -f -, ipset restore, iptables-restore). */
  stdin?: string;
  /** Shortened stdin for the action log when the batch is huge; defaults to stdin. */
  shownStdin?: string;
  /** Run the step only when this read-only check fails ("create it unless it exists"). */
  unless?: readonly string[];
  /** A failure whose stderr matches is not an error (removing what is already gone). */
  tolerate?: RegExp;
}

export interface Plan {
  steps: Step[];
}

export const EMPTY_PLAN: Plan = { steps: [] };

const SAFE = /^[A-Za-z0-9_.:/@%+=,-]+$/;

function quote(arg: string): string {
  return SAFE.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** argv as shell words, with the `ip netns exec NS` prefix the runner adds. */
export function showArgv(argv: readonly string[], netns: string | undefined): string {
  const full = netns === undefined ? argv : ['ip', 'netns', 'exec', netns, ...argv];
  return full.map(quote).join(' ');
}

/** The exact text of one step, as a user would run it. */
export function showStep(step: Step, netns: string | undefined): string {
  let cmd = showArgv(step.argv, netns);
  if (step.stdin !== undefined) {
    const body = step.shownStdin ?? step.stdin;
    cmd += ` <<'EOF'\n${body.endsWith('\n') ? body : body + '\n'}EOF`;
  }
  if (step.unless) cmd = `${showArgv(step.unless, netns)} >/dev/null 2>&1 || ${cmd}`;
  if (step.tolerate) cmd += ' 2>/dev/null || true';
  return cmd;
}

export function showPlan(plan: Plan, netns: string | undefined): string[] {
  return plan.steps.map((s) => showStep(s, netns));
}

/** How many element lines the action log shows of a batch before "... N more elements". */
export const SHOWN_ELEMENTS = 50;
