/** Docker's container list filters: id, name, label, status, ancestor, network, volume, exited, health. */
import type { ContainerRecord } from './records.js';

function globish(pattern: string, value: string): boolean {
  // Docker treats name filters as regular expressions; a bad one matches as a substring
  try {
    return new RegExp(pattern).test(value);
  } catch {
    return value.includes(pattern);
  }
}

export function listFilter(rec: ContainerRecord, filters: Record<string, string[]>, resolveId: (ref: string) => string | undefined): boolean {
  for (const [key, values] of Object.entries(filters)) {
    if (!values?.length) continue;
    const any = (pred: (v: string) => boolean) => values.some(pred);
    switch (key) {
      case 'id':
        if (!any((v) => rec.id.startsWith(v))) return false;
        break;
      case 'name':
        if (!any((v) => globish(v.replace(/^\//, ''), rec.name))) return false;
        break;
      case 'label': {
        const labels = rec.config.labels ?? {};
        // all label filters must hold
        for (const v of values) {
          const i = v.indexOf('=');
          const k = i < 0 ? v : v.slice(0, i);
          if (!(k in labels)) return false;
          if (i >= 0 && labels[k] !== v.slice(i + 1)) return false;
        }
        break;
      }
      case 'status':
        if (!any((v) => v === rec.state.status)) return false;
        break;
      case 'exited':
        if (rec.state.status !== 'exited' || !any((v) => Number(v) === rec.state.exitCode)) return false;
        break;
      case 'ancestor':
        if (!any((v) => v === rec.image || rec.imageId === v || rec.imageId.replace(/^sha256:/, '').startsWith(v.replace(/^sha256:/, '')))) return false;
        break;
      case 'network':
        if (!any((v) => v in rec.networks || Object.values(rec.networks).some((n) => n.networkId.startsWith(v)) || (rec.config.network?.endpoints ?? []).some((e) => e.network === v))) return false;
        break;
      case 'volume':
        if (!any((v) => rec.mounts.some((m) => m.volume === v || m.target === v || m.source === v))) return false;
        break;
      case 'health':
        if (!any((v) => (rec.health?.status ?? 'none') === v)) return false;
        break;
      case 'before':
      case 'since': {
        const other = resolveId(values[0]!);
        if (!other) return false;
        break;
      }
      default:
        break;
    }
  }
  return true;
}
