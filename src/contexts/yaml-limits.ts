/**
 * The yaml library's guard against alias bombs: it throws when an alias's uses times the uses nested in its node
 * pass this. A billion-laughs file passes it within its first levels, while a compose file of shared `x-` anchors
 * (sentry's self-hosted: about 1,600) stays far under; compose's own reader (Go's yaml.v3) allows nearly any
 * aliasing below 400,000 decoded nodes. Read values share an anchor's object, so nothing is copied per use.
 */
export const YAML_MAX_ALIAS_COUNT = 50_000;
