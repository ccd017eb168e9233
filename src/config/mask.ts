// Masks secret values (tokens, passwords, keys) before a config is shown or logged.

const SECRET = /token|secret|password|passwd|api_key|apikey|credential/i;

export function maskSecrets<T>(value: T, key = ''): T {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, key)) as T;
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = maskSecrets(v, k);
    return out as T;
  }
  if (SECRET.test(key) && typeof value === 'string' && value !== '') return '********' as T;
  return value;
}
