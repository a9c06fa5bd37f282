// GCP label rules (https://cloud.google.com/resource-manager/docs/labels-overview), as the
// project spec states them: keys and values lowercase `[a-z0-9_-]`, at most 63 characters, keys
// start with a letter and are not empty. A policy key that breaks them can never be on a GCP resource.
const LABEL_CHARS = /^[a-z0-9_-]*$/;
export const GCP_LABEL_MAX_LENGTH = 63;

/** Why `key` cannot be a GCP label key, or null when it can. */
export function gcpLabelKeyProblem(key: string): string | null {
  if (key.length === 0) return 'a label key must not be empty';
  if (key.length > GCP_LABEL_MAX_LENGTH) return `a label key has at most ${GCP_LABEL_MAX_LENGTH} characters`;
  if (!/^[a-z]/.test(key)) return 'a label key starts with a lowercase letter';
  if (!LABEL_CHARS.test(key)) return 'a label key has only lowercase letters, digits, "_" and "-"';
  return null;
}

/** Why `value` cannot be a GCP label value, or null when it can (empty values are allowed). */
export function gcpLabelValueProblem(value: string): string | null {
  if (value.length > GCP_LABEL_MAX_LENGTH) return `a label value has at most ${GCP_LABEL_MAX_LENGTH} characters`;
  if (!LABEL_CHARS.test(value)) return 'a label value has only lowercase letters, digits, "_" and "-"';
  return null;
}

/**
 * A label-safe spelling of a tag key (`CostCenter` -> `cost_center`, `Cost Center` -> `cost_center`),
 * offered as the gcp spelling to map; null when no letter is left to start it with.
 */
export function suggestGcpLabelKey(key: string): string | null {
  const snake = key
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '_')
    .replace(/^[^a-z]+/, '')
    .replace(/_+$/, '')
    .slice(0, GCP_LABEL_MAX_LENGTH);
  return snake.length > 0 ? snake : null;
}
