/* The strategy registry: name -> checker with its default config. A config is the defaults
 * overlaid with the claim's keys; keys the defaults lack are refused, never ignored. Later
 * strategies (stamp, training_replay, spot checks) are added to the table below. */
#include "veritor/verify.h"

#include <jansson.h>
#include <string.h>

static const vt_strategy *const registry[] = {
    &vt_strategy_bit_exact,
};

size_t vt_strategy_count(void) { return sizeof registry / sizeof registry[0]; }

const vt_strategy *vt_strategy_at(size_t i) { return i < vt_strategy_count() ? registry[i] : NULL; }

const vt_strategy *vt_strategy_find(const char *name) {
    if (!name) return NULL;
    for (size_t i = 0; i < vt_strategy_count(); i++)
        if (strcmp(registry[i]->name, name) == 0) return registry[i];
    return NULL;
}

vt_status vt_strategy_configure(const vt_strategy *s, const char *config_json, void **state, vt_error *err) {
    *state = NULL;
    json_t *cfg = vt_json_parse(s->default_config, strlen(s->default_config), "default config", err);
    if (!cfg) return vt_error_set(err, VT_EINTERNAL, "strategy %s: bad default config (a bug)", s->name);
    if (config_json && *config_json) {
        json_t *given = vt_json_parse(config_json, strlen(config_json), "config", err);
        if (!given) {
            json_decref(cfg);
            vt_error_prefix(err, "strategy %s", s->name);
            return err ? err->code : VT_EINPUT;
        }
        if (!json_is_object(given)) {
            json_decref(given);
            json_decref(cfg);
            return vt_error_set(err, VT_EINPUT, "strategy %s: config must be a JSON object", s->name);
        }
        const char *key;
        json_t *v;
        json_object_foreach(given, key, v) {
            if (!json_object_get(cfg, key)) {
                vt_status st = vt_error_set(err, VT_EINPUT, "strategy %s: config: unknown key '%.100s'", s->name, key);
                json_decref(given);
                json_decref(cfg);
                return st;
            }
            json_object_set(cfg, key, v);
        }
        json_decref(given);
    }
    vt_status st = s->configure(cfg, state, err);
    json_decref(cfg);
    if (st) vt_error_prefix(err, "strategy %s: config", s->name);
    return st;
}
