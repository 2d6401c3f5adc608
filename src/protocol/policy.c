/* Verifier policy: graph content ids pinned per claim kind (metadata "kind") or per entry
 * point, read from a small JSON file (format in docs/verify.md). Without a pin a prover could
 * swap the graph and recompute consistent outputs, so reports say when none applied. */
#include "veritor/verify.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pin_set {
    char *name;
    vt_hash256 *ids;
    size_t n;
} pin_set;

struct vt_policy {
    pin_set *entries, *kinds;
    size_t n_entries, n_kinds;
    bool require_pin;
};

#define POLICY_MAX_BYTES ((size_t)16 << 20)

static void free_sets(pin_set *s, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(s[i].name);
        free(s[i].ids);
    }
    free(s);
}

void vt_policy_free(vt_policy *p) {
    if (!p) return;
    free_sets(p->entries, p->n_entries);
    free_sets(p->kinds, p->n_kinds);
    free(p);
}

static vt_status load_sets(json_t *obj, const char *field, const char *what, pin_set **out, size_t *n, vt_error *err) {
    *out = NULL;
    *n = 0;
    if (!obj) return VT_OK;
    if (!json_is_object(obj)) return vt_error_set(err, VT_EINPUT, "%s: '%s' must be an object", what, field);
    size_t cnt = json_object_size(obj);
    pin_set *sets = calloc(cnt ? cnt : 1, sizeof *sets);
    if (!sets) return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
    const char *key;
    json_t *v;
    size_t k = 0;
    json_object_foreach(obj, key, v) {
        pin_set *s = &sets[k++];
        s->name = strdup(key);
        if (!s->name) goto nomem;
        if (json_is_string(v)) {
            json_t *arr = json_array();
            json_array_append(arr, v);
            v = arr;
        } else {
            if (!json_is_array(v) || json_array_size(v) == 0) {
                free_sets(sets, k);
                return vt_error_set(err, VT_EINPUT, "%s: %s.\"%.60s\": expected a graph id or a non-empty list of them",
                                    what, field, key);
            }
            json_incref(v);
        }
        s->n = json_array_size(v);
        s->ids = calloc(s->n, sizeof *s->ids);
        if (!s->ids) {
            json_decref(v);
            goto nomem;
        }
        for (size_t i = 0; i < s->n; i++) {
            const char *h = json_string_value(json_array_get(v, i));
            if (!h || !vt_hash256_parse(h, &s->ids[i])) {
                json_decref(v);
                free_sets(sets, k);
                return vt_error_set(err, VT_EINPUT, "%s: %s.\"%.60s\"[%zu]: not a 64-hex-digit graph id", what, field,
                                    key, i);
            }
        }
        json_decref(v);
    }
    *out = sets;
    *n = cnt;
    return VT_OK;
nomem:
    free_sets(sets, k);
    return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
}

vt_status vt_policy_parse(const char *text, size_t len, const char *what, vt_policy **out, vt_error *err) {
    *out = NULL;
    json_t *j = vt_json_parse(text, len, what, err);
    if (!j) return err ? err->code : VT_EINPUT;
    vt_status st = VT_OK;
    vt_policy *p = calloc(1, sizeof *p);
    if (!p) {
        json_decref(j);
        return vt_error_set(err, VT_ENOMEM, "%s: out of memory", what);
    }
    if (!json_is_object(j)) {
        st = vt_error_set(err, VT_EINPUT, "%s: a policy is a JSON object", what);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v) {
        if (strcmp(key, "format") == 0) {
            if (!json_is_string(v) || strcmp(json_string_value(v), "veritor.policy.v1") != 0) {
                st = vt_error_set(err, VT_EUNSUPPORTED, "%s: not supported: format (expected \"veritor.policy.v1\")", what);
                goto done;
            }
        } else if (strcmp(key, "require_pin") == 0) {
            if (!json_is_boolean(v)) {
                st = vt_error_set(err, VT_EINPUT, "%s: 'require_pin' must be true or false", what);
                goto done;
            }
            p->require_pin = json_is_true(v);
        } else if (strcmp(key, "entries") != 0 && strcmp(key, "kinds") != 0) {
            st = vt_error_set(err, VT_EINPUT, "%s: unknown key '%.60s'", what, key);
            goto done;
        }
    }
    st = load_sets(json_object_get(j, "entries"), "entries", what, &p->entries, &p->n_entries, err);
    if (!st) st = load_sets(json_object_get(j, "kinds"), "kinds", what, &p->kinds, &p->n_kinds, err);
done:
    json_decref(j);
    if (st) vt_policy_free(p);
    else *out = p;
    return st;
}

vt_status vt_policy_load(const char *path, vt_policy **out, vt_error *err) {
    char *data;
    size_t len;
    vt_status st = vt_read_file(path, POLICY_MAX_BYTES, &data, &len, err);
    if (st) return st;
    st = vt_policy_parse(data, len, path, out, err);
    free(data);
    return st;
}

bool vt_policy_requires_pin(const vt_policy *p) { return p && p->require_pin; }

static const pin_set *find_set(const pin_set *s, size_t n, const char *name) {
    for (size_t i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0) return &s[i];
    return NULL;
}

size_t vt_policy_pins(const vt_policy *p, const char *entry, const char *metadata, const vt_hash256 **ids,
                      char *source, size_t source_cap) {
    *ids = NULL;
    if (source_cap) source[0] = 0;
    if (!p) return 0;
    if (metadata && p->n_kinds) {
        json_t *m = json_loads(metadata, JSON_REJECT_DUPLICATES, NULL);
        const char *kind = json_string_value(json_object_get(m, "kind"));
        const pin_set *s = kind ? find_set(p->kinds, p->n_kinds, kind) : NULL;
        if (s) {
            snprintf(source, source_cap, "policy kind %.200s", kind);
            json_decref(m);
            *ids = s->ids;
            return s->n;
        }
        json_decref(m);
    }
    const pin_set *s = entry ? find_set(p->entries, p->n_entries, entry) : NULL;
    if (!s) return 0;
    snprintf(source, source_cap, "policy entry %.200s", entry);
    *ids = s->ids;
    return s->n;
}
