/* Slicing: on the tiny transformer's prefill graph (outlined and inlined), "layer 1's block from
 * the stored hidden state" and "everything after layer 0" reproduce the full run bit for bit,
 * also for a target inside a called function and inside a while body; random programs with
 * random targets and cuts agree with the full program; every op slices into a verified module;
 * malformed and hostile specs are refused with the documented codes. */
#include "harness.h"
#include "veritor/transform.h"
#include "veritor/workload.h"

#include <math.h>
#include <stdlib.h>

static vt_engine *g_engine;

/* ---- helpers ---- */
static vt_module *parse(const char *text) {
    vt_error err;
    vt_module *m = NULL;
    vt_status s = vt_parse_module(text, strlen(text), NULL, &m, &err);
    CHECK_MSG(s == VT_OK, "parse: %s", err.msg);
    if (s == VT_OK) {
        s = vt_module_verify(m, &err);
        CHECK_MSG(s == VT_OK, "verify: %s", err.msg);
    }
    return m;
}

static const char *arg_origin(const vt_func *f, size_t i) {
    const vt_attr *d = f->arg_attrs ? f->arg_attrs[i] : NULL;
    return vt_attr_as_string(vt_attr_dict_get(d, "veritor.origin"));
}

/* A value known by origin name, for feeding slice arguments. */
typedef struct named {
    const char *origin;
    vt_tensor *t;
} named;

/* Runs a slice: argument i is main's argument K when its origin is "@FN:argK", else the entry of
 * `known` with that origin. Returns result 0 (caller releases) or NULL. */
static vt_tensor *run_slice(const vt_module *sl, const char *fn, vt_tensor *const *main_args, size_t nmain, const named *known,
                            size_t nknown, size_t result) {
    vt_error err;
    const vt_func *f;
    if (vt_module_entry(sl, NULL, &f, &err) != VT_OK) {
        CHECK_MSG(0, "entry: %s", err.msg);
        return NULL;
    }
    vt_rvalue *args = calloc(f->nargs + 1, sizeof *args);
    bool ok = true;
    char prefix[64];
    snprintf(prefix, sizeof prefix, "@%s:arg", fn);
    for (size_t i = 0; i < f->nargs && ok; i++) {
        const char *o = arg_origin(f, i);
        vt_tensor *t = NULL;
        if (o && strncmp(o, prefix, strlen(prefix)) == 0) {
            size_t k = (size_t)strtoul(o + strlen(prefix), NULL, 10);
            if (k < nmain) t = main_args[k];
        } else {
            for (size_t j = 0; o && j < nknown; j++)
                if (strcmp(known[j].origin, o) == 0) t = known[j].t;
        }
        CHECK_MSG(t != NULL, "slice argument %zu has origin %s, which the test cannot feed", i, o ? o : "(none)");
        if (!t) ok = false;
        else args[i] = vt_rvalue_tensor(vt_tensor_retain(t));
    }
    vt_tensor *out = NULL;
    if (ok) {
        vt_rvalue *res = NULL;
        size_t nres = 0;
        vt_status s = vt_execute(g_engine, sl, NULL, args, f->nargs, NULL, &res, &nres, NULL, &err);
        CHECK_MSG(s == VT_OK, "run slice: %s", err.msg);
        if (s == VT_OK && result < nres) out = vt_tensor_retain(res[result].tensor);
        if (s == VT_OK) vt_rvalues_release(res, nres);
    }
    for (size_t i = 0; i < f->nargs; i++) vt_rvalue_release(&args[i]);
    free(args);
    return out;
}

static bool same_bits(const vt_tensor *a, const vt_tensor *b) {
    return a && b && vt_tensor_same_shape(a, b) && a->dtype == b->dtype && memcmp(a->data, b->data, a->nbytes) == 0;
}

static vt_module *slice1(const vt_module *m, const char *target, const char *cut, vt_error *err) {
    const char *t[1] = {target}, *c[1] = {cut};
    vt_xf_slice_spec sp = {.targets = t, .ntargets = 1, .cuts = c, .ncuts = cut ? 1 : 0};
    vt_module *out = NULL;
    vt_status s = vt_xf_slice(m, &sp, &out, err);
    CHECK_MSG(s == VT_OK, "slice %s from %s: %s", target, cut ? cut : "(args)", err->msg);
    return out;
}

static void roundtrip(const vt_module *m) {
    vt_error err;
    vt_buf b;
    vt_buf_init(&b);
    CHECK_EQ_INT(vt_module_print(m, NULL, &b, &err), VT_OK);
    vt_module *back = parse(vt_buf_cstr(&b));
    if (back) {
        const vt_func *f = NULL;
        CHECK_EQ_INT(vt_module_entry(back, NULL, &f, &err), VT_OK);
        if (f && f->nargs) CHECK(arg_origin(f, 0) != NULL);
        vt_module_free(back);
    }
    vt_buf_free(&b);
}

/* ---- the tiny transformer ---- */
typedef struct tiny {
    vt_model_config c;
    vt_module *m;
    vt_tensor **args; /* params..., tokens */
    size_t nargs;
    vt_tensor *logits;
    char ids[4][32]; /* main's ops: layer-0 call, layer-1 call, final norm call, logits */
} tiny;

static bool tiny_load(tiny *t) {
    vt_error err;
    memset(t, 0, sizeof *t);
    if (vt_model_preset("tiny", &t->c, &err) || vt_model_emit_prefill(&t->c, 2, 8, &t->m, &err)) {
        CHECK_MSG(0, "tiny: %s", err.msg);
        return false;
    }
    vt_tensor_set *w = NULL;
    size_t np = vt_model_num_params(&t->c);
    vt_rvalue *p = calloc(np, sizeof *p);
    CHECK_EQ_INT(vt_model_init_weights(&t->c, 3, &w, &err), VT_OK);
    CHECK_EQ_INT(vt_model_param_args(&t->c, w, p, &err), VT_OK);
    t->nargs = np + 1;
    t->args = calloc(t->nargs, sizeof *t->args);
    for (size_t i = 0; i < np; i++) t->args[i] = vt_tensor_retain(p[i].tensor);
    vt_rvalues_release(p, np);
    vt_tensor_set_free(w);
    int64_t td[2] = {2, 8};
    vt_tensor *tok = vt_tensor_create(VT_I32, 2, td, 0, &err);
    for (size_t i = 0; i < 16; i++) ((int32_t *)tok->data)[i] = (int32_t)((i * 37 + 11) % t->c.vocab);
    t->args[np] = tok;
    /* find the ops by structure */
    const vt_block *mb = t->m->funcs[0]->body->blocks[0];
    for (size_t i = 0; i < t->m->nfuncs; i++)
        if (strcmp(t->m->funcs[i]->name, "main") == 0) mb = t->m->funcs[i]->body->blocks[0];
    int ncall = 0;
    for (size_t i = 0; i < mb->nops; i++) {
        const vt_op *op = mb->ops[i];
        /* "ID:0" when a call also returns the layer's k and v: the origin names then carry ":0" */
        if (op->code == VT_OP_FUNC_CALL && ncall < 3)
            snprintf(t->ids[ncall++], 32, "@main/%zu%s", i, op->nresults > 1 ? ":0" : "");
        if (op->code == VT_OP_DOT_GENERAL) snprintf(t->ids[3], 32, "@main/%zu", i);
    }
    CHECK_EQ_INT(ncall, 3);
    vt_rvalue *a = calloc(t->nargs, sizeof *a), *res = NULL;
    for (size_t i = 0; i < t->nargs; i++) a[i] = vt_rvalue_tensor(vt_tensor_retain(t->args[i]));
    size_t nres = 0;
    vt_status s = vt_execute(g_engine, t->m, NULL, a, t->nargs, NULL, &res, &nres, NULL, &err);
    CHECK_MSG(s == VT_OK, "full run: %s", err.msg);
    if (s == VT_OK) {
        t->logits = vt_tensor_retain(res[0].tensor);
        vt_rvalues_release(res, nres);
    }
    for (size_t i = 0; i < t->nargs; i++) vt_rvalue_release(&a[i]);
    free(a);
    return s == VT_OK;
}

static void tiny_free(tiny *t) {
    for (size_t i = 0; i < t->nargs; i++) vt_tensor_release(t->args[i]);
    free(t->args);
    vt_tensor_release(t->logits);
    vt_module_free(t->m);
}

TEST(layer_replay_bit_exact) {
    tiny t;
    if (!tiny_load(&t)) return;
    vt_error err;
    /* hidden state after layer 0: the cone up to it */
    vt_module *s_a = slice1(t.m, t.ids[0], NULL, &err);
    vt_tensor *h0 = s_a ? run_slice(s_a, "main", t.args, t.nargs, NULL, 0, 0) : NULL;
    CHECK(h0 && h0->rank == 3 && h0->dims[2] == t.c.d_model);
    /* layer 1's block from the stored hidden state */
    vt_module *s_b = slice1(t.m, t.ids[1], t.ids[0], &err);
    named k0 = {t.ids[0], h0};
    vt_tensor *h1 = s_b ? run_slice(s_b, "main", t.args, t.nargs, &k0, 1, 0) : NULL;
    if (s_b) {
        const vt_func *f = NULL;
        vt_module_entry(s_b, NULL, &f, &err);
        /* the cut comes first, then layer 1's parameters */
        size_t per = (t.nargs - 1 - 3) / t.c.layers;
        CHECK(f && f->nargs == 1 + per);
        if (f) CHECK_STR(arg_origin(f, 0), t.ids[0]);
        const char *ro = f ? vt_attr_as_string(vt_attr_dict_get(f->result_attrs[0], "veritor.origin")) : NULL;
        CHECK_STR(ro, t.ids[1]);
        /* @block and everything it calls come along, private */
        CHECK(vt_module_find_func(s_b, "block") && vt_module_find_func(s_b, "attention") && vt_module_find_func(s_b, "mlp"));
        roundtrip(s_b);
    }
    /* from layer 1's output to the logits: equals the full run's logits bit for bit */
    vt_module *s_c = slice1(t.m, t.ids[3], t.ids[1], &err);
    named k1 = {t.ids[1], h1};
    vt_tensor *lg = s_c && h1 ? run_slice(s_c, "main", t.args, t.nargs, &k1, 1, 0) : NULL;
    CHECK_MSG(same_bits(lg, t.logits), "logits replayed from layer 1's stored output differ from the full run");
    /* the direct from-A-to-logits slice agrees too */
    vt_module *s_d = slice1(t.m, t.ids[3], t.ids[0], &err);
    vt_tensor *lg2 = s_d && h0 ? run_slice(s_d, "main", t.args, t.nargs, &k0, 1, 0) : NULL;
    CHECK(same_bits(lg2, t.logits));
    /* a target inside the called block: the block's last op (the MLP residual add) at layer 1 is
     * layer 1's output, computed from @block's own arguments */
    const vt_func *blk = vt_module_find_func(t.m, "block");
    if (blk) {
        char id[64];
        const vt_block *bb = blk->body->blocks[0];
        const vt_op *last = bb->ops[bb->nops - 1]->operands[0]->def;
        snprintf(id, sizeof id, "@block/%zu%s", last->index, last->nresults > 1 ? ":0" : "");
        vt_module *s_e = slice1(t.m, id, NULL, &err);
        if (s_e) {
            const vt_func *f = NULL;
            vt_module_entry(s_e, NULL, &f, &err);
            size_t per = (t.nargs - 1 - 3) / t.c.layers;
            CHECK(f && f->nargs == 1 + per && strcmp(arg_origin(f, 0), "@block:arg0") == 0);
            /* feed @block's arguments as main passes them at layer 1 */
            vt_tensor *bargs[16] = {h0};
            for (size_t i = 0; i < per && i < 15; i++) bargs[1 + i] = t.args[2 + per + i];
            vt_tensor *h1b = run_slice(s_e, "block", bargs, per + 1, NULL, 0, 0);
            CHECK(same_bits(h1b, h1));
            vt_tensor_release(h1b);
            vt_module_free(s_e);
        }
    }
    vt_tensor_release(h0);
    vt_tensor_release(h1);
    vt_tensor_release(lg);
    vt_tensor_release(lg2);
    vt_module_free(s_a);
    vt_module_free(s_b);
    vt_module_free(s_c);
    vt_module_free(s_d);
    tiny_free(&t);
}


/* The same replay on the inlined graph: the ops standing for layer 0's output and the logits are
 * found through their provenance (origin in @block, call site in @main). */
static const vt_op *find_inlined(const vt_module *m, const char *origin, const char *callsite) {
    const vt_func *f = vt_module_find_func(m, "main");
    const vt_block *b = f ? f->body->blocks[0] : NULL;
    for (size_t i = 0; b && i < b->nops; i++) {
        const char *o = vt_xf_origin(b->ops[i]), *cs = vt_xf_callsite(b->ops[i]);
        if (o && strcmp(o, origin) == 0 && (!callsite ? !cs : cs && strcmp(cs, callsite) == 0)) return b->ops[i];
    }
    return NULL;
}

TEST(layer_replay_inlined) {
    tiny t;
    if (!tiny_load(&t)) return;
    vt_error err;
    vt_module *inl = NULL;
    CHECK_EQ_INT(vt_xf_inline(t.m, NULL, &inl, &err), VT_OK);
    const vt_func *blk = vt_module_find_func(t.m, "block");
    if (inl && blk) {
        const vt_block *bb = blk->body->blocks[0];
        const vt_op *last = bb->ops[bb->nops - 1]->operands[0]->def;
        char borig[64], call0[32];
        snprintf(borig, sizeof borig, "@block/%zu", last->index);
        snprintf(call0, sizeof call0, "%s", t.ids[0]);
        char *colon = strchr(call0, ':');
        if (colon) *colon = 0;
        const vt_op *h0op = find_inlined(inl, borig, call0), *lgop = find_inlined(inl, t.ids[3], NULL);
        CHECK(h0op && lgop);
        if (h0op && lgop) {
            vt_buf a, b;
            vt_buf_init(&a);
            vt_buf_init(&b);
            vt_op_path_id(h0op, &a, &err);
            vt_op_path_id(lgop, &b, &err);
            /* layer 0's output, computed by the inlined graph's own cone */
            vt_module *s0 = slice1(inl, vt_buf_cstr(&a), NULL, &err);
            vt_tensor *h0 = s0 ? run_slice(s0, "main", t.args, t.nargs, NULL, 0, 0) : NULL;
            vt_module *s1 = slice1(inl, vt_buf_cstr(&b), vt_buf_cstr(&a), &err);
            named k = {vt_buf_cstr(&a), h0};
            /* argument origins are ids of the module sliced (the inlined one), not of its source */
            vt_tensor *lg = NULL;
            if (s1 && h0) {
                const vt_func *f = NULL;
                vt_module_entry(s1, NULL, &f, &err);
                const char *o0 = f ? arg_origin(f, 0) : NULL;
                CHECK(o0 && strcmp(o0, vt_buf_cstr(&a)) == 0);
                lg = run_slice(s1, "main", t.args, t.nargs, &k, 1, 0);
                /* ops copied into the slice still name the original graph */
                const vt_op *cl = f ? f->body->blocks[0]->ops[0] : NULL;
                CHECK(cl && vt_xf_origin(cl) && vt_xf_origin(cl)[0] == '@');
            }
            CHECK_MSG(same_bits(lg, t.logits), "inlined replay from layer 0's output differs from the full run");
            vt_tensor_release(h0);
            vt_tensor_release(lg);
            vt_module_free(s0);
            vt_module_free(s1);
            vt_buf_free(&a);
            vt_buf_free(&b);
        }
    }
    vt_module_free(inl);
    tiny_free(&t);
}

/* ---- while bodies: the per-iteration value from the body's live-ins ---- */
static const char *k_loop =
    "func.func @main(%x: tensor<4xf32>, %w: tensor<4xf32>) -> tensor<4xf32> {\n"
    "  %c0 = stablehlo.constant dense<0> : tensor<i32>\n"
    "  %r:2 = stablehlo.while(%i = %c0, %v = %x) : tensor<i32>, tensor<4xf32>\n"
    "    cond {\n"
    "      %n = stablehlo.constant dense<5> : tensor<i32>\n"
    "      %p = stablehlo.compare LT, %i, %n : (tensor<i32>, tensor<i32>) -> tensor<i1>\n"
    "      stablehlo.return %p : tensor<i1>\n"
    "    } do {\n"
    "      %one = stablehlo.constant dense<1> : tensor<i32>\n"
    "      %i2 = stablehlo.add %i, %one : tensor<i32>\n"
    "      %m = stablehlo.multiply %v, %w : tensor<4xf32>\n"
    "      %t = stablehlo.tanh %m : tensor<4xf32>\n"
    "      stablehlo.return %i2, %t : tensor<i32>, tensor<4xf32>\n"
    "    }\n"
    "  return %r#1 : tensor<4xf32>\n"
    "}\n";

static vt_tensor *vec4(float a, float b, float c, float d) {
    int64_t n = 4;
    vt_tensor *t = vt_tensor_create(VT_F32, 1, &n, 0, NULL);
    float *p = t->data;
    p[0] = a, p[1] = b, p[2] = c, p[3] = d;
    return t;
}

TEST(while_body_target) {
    vt_module *m = parse(k_loop);
    if (!m) return;
    vt_error err;
    /* @main/1/1/3 is the tanh of iteration i: a function of the carry %v and of %w (captured) */
    vt_module *s = slice1(m, "@main/1/1/3#2", NULL, &err);
    if (s) {
        const vt_func *f = NULL;
        vt_module_entry(s, NULL, &f, &err);
        CHECK(f && f->nargs == 2);
        if (f && f->nargs == 2) {
            CHECK_STR(arg_origin(f, 0), "@main:arg1");
            CHECK_STR(arg_origin(f, 1), "@main/1/1:arg1");
        }
        vt_tensor *v = vec4(0.5f, -1.0f, 2.0f, 0.25f), *w = vec4(1.5f, 0.5f, -0.75f, 3.0f);
        named kv = {"@main/1/1:arg1", v};
        vt_tensor *mainargs[2] = {v, w};
        vt_tensor *got = run_slice(s, "main", mainargs, 2, &kv, 1, 0);
        if (got) {
            for (int i = 0; i < 4; i++) {
                float want = tanhf(((float *)v->data)[i] * ((float *)w->data)[i]);
                CHECK(((float *)got->data)[i] == want);
            }
        }
        roundtrip(s);
        vt_tensor_release(got);
        vt_tensor_release(v);
        vt_tensor_release(w);
        vt_module_free(s);
    }
    /* a slice of the whole loop keeps the loop and its regions */
    s = slice1(m, "@main/1:1", NULL, &err);
    if (s) {
        vt_tensor *x = vec4(0.1f, 0.2f, 0.3f, 0.4f), *w = vec4(1, 1, 1, 1);
        vt_tensor *a[2] = {x, w};
        vt_tensor *got = run_slice(s, "main", a, 2, NULL, 0, 0);
        vt_rvalue ra[2] = {vt_rvalue_tensor(vt_tensor_retain(x)), vt_rvalue_tensor(vt_tensor_retain(w))}, *res = NULL;
        size_t nres = 0;
        CHECK_EQ_INT(vt_execute(g_engine, m, NULL, ra, 2, NULL, &res, &nres, NULL, &err), VT_OK);
        if (nres) CHECK(same_bits(got, res[0].tensor));
        vt_rvalues_release(res, nres);
        vt_rvalue_release(&ra[0]);
        vt_rvalue_release(&ra[1]);
        vt_tensor_release(got);
        vt_tensor_release(x);
        vt_tensor_release(w);
        vt_module_free(s);
    }
    vt_module_free(m);
}

/* ---- random programs ---- */
static uint32_t rnd(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}

TEST(random_programs) {
    static const vt_opcode bin[] = {VT_OP_ADD, VT_OP_MULTIPLY, VT_OP_SUBTRACT, VT_OP_MAXIMUM};
    static const vt_opcode un[] = {VT_OP_TANH, VT_OP_NEGATE, VT_OP_ABS};
    uint64_t seed = 12345;
    for (int prog = 0; prog < 25; prog++) {
        vt_error err;
        vt_builder *b = vt_builder_new("rand", &err);
        int64_t n = 5;
        const vt_type *t = vt_builder_tensor_type(b, VT_F32, 1, &n);
        const vt_type *at[3] = {t, t, t};
        vt_func *f = vt_builder_func(b, "main", "public", at, 3, &t, 1);
        vt_value *vals[40];
        size_t nv = 3;
        for (size_t i = 0; i < 3; i++) vals[i] = vt_builder_func_arg(b, f, i);
        int nops = 8 + (int)(rnd(&seed) % 20);
        for (int i = 0; i < nops; i++) {
            vt_value *x = vals[rnd(&seed) % nv], *y = vals[rnd(&seed) % nv];
            vals[nv++] = rnd(&seed) % 3 ? vt_build_binary(b, bin[rnd(&seed) % 4], x, y) : vt_build_unary(b, un[rnd(&seed) % 3], x);
        }
        vt_build_return(b, &vals[nv - 1], 1);
        vt_module *m = NULL;
        CHECK_EQ_INT(vt_builder_finish(b, &m, &err), VT_OK);
        vt_builder_free(b);
        if (!m) continue;
        vt_tensor *args[3];
        for (int i = 0; i < 3; i++) {
            args[i] = vt_tensor_create(VT_F32, 1, &n, 0, NULL);
            for (int j = 0; j < 5; j++) ((float *)args[i]->data)[j] = (float)((int)(rnd(&seed) % 200) - 100) / 37.0f;
        }
        /* target: a random op; cut: a random op before it */
        int ti = 1 + (int)(rnd(&seed) % (unsigned)(nops - 1)), ci = (int)(rnd(&seed) % (unsigned)ti);
        char tid[32], cid[32];
        snprintf(tid, sizeof tid, "@main/%d", ti);
        snprintf(cid, sizeof cid, "@main/%d", ci);
        vt_module *st = slice1(m, tid, NULL, &err), *sc = slice1(m, cid, NULL, &err), *stc = slice1(m, tid, cid, &err);
        vt_tensor *want = st ? run_slice(st, "main", args, 3, NULL, 0, 0) : NULL;
        vt_tensor *cv = sc ? run_slice(sc, "main", args, 3, NULL, 0, 0) : NULL;
        named k = {cid, cv};
        vt_tensor *got = stc && cv ? run_slice(stc, "main", args, 3, &k, 1, 0) : NULL;
        CHECK_MSG(same_bits(want, got), "program %d: %s cut at %s differs", prog, tid, cid);
        /* the cone of the returned value is the whole program's result */
        char lid[32];
        snprintf(lid, sizeof lid, "@main/%d", nops - 1);
        vt_module *sl = slice1(m, lid, NULL, &err);
        vt_tensor *lv = sl ? run_slice(sl, "main", args, 3, NULL, 0, 0) : NULL;
        vt_rvalue ra[3], *res = NULL;
        size_t nres = 0;
        for (int i = 0; i < 3; i++) ra[i] = vt_rvalue_tensor(vt_tensor_retain(args[i]));
        if (vt_execute(g_engine, m, NULL, ra, 3, NULL, &res, &nres, NULL, &err) == VT_OK) {
            CHECK(same_bits(lv, res[0].tensor));
            vt_rvalues_release(res, nres);
        }
        for (int i = 0; i < 3; i++) vt_rvalue_release(&ra[i]), vt_tensor_release(args[i]);
        vt_tensor_release(want);
        vt_tensor_release(cv);
        vt_tensor_release(got);
        vt_tensor_release(lv);
        vt_module_free(st);
        vt_module_free(sc);
        vt_module_free(stc);
        vt_module_free(sl);
        vt_module_free(m);
    }
}


/* Explicit operation_id names (even with ':' in them) name targets; ":k" still picks a result. */
TEST(explicit_ids) {
    vt_module *m = parse("func.func @main(%a: tensor<2xf32>) -> tensor<2xf32> {\n"
                         "  %0 = stablehlo.tanh %a {mhlo.frontend_attributes = {operation_id = \"layer:7\"}} : tensor<2xf32>\n"
                         "  %1 = stablehlo.negate %0 {mhlo.frontend_attributes = {operation_id = \"out\"}} : tensor<2xf32>\n"
                         "  return %1 : tensor<2xf32>\n"
                         "}\n");
    if (!m) return;
    vt_error err;
    const char *cases[3] = {"layer:7", "layer:7:0", "out:0"};
    for (int i = 0; i < 3; i++) {
        vt_module *s = slice1(m, cases[i], i == 2 ? "layer:7" : NULL, &err);
        if (!s) continue;
        const vt_func *f = NULL;
        CHECK_EQ_INT(vt_module_entry(s, NULL, &f, &err), VT_OK);
        const char *ro = f ? vt_attr_as_string(vt_attr_dict_get(f->result_attrs[0], "veritor.origin")) : NULL;
        CHECK_STR(ro, i == 2 ? "out" : "layer:7");
        if (i == 2 && f) CHECK_STR(arg_origin(f, 0), "layer:7");
        /* the copied op keeps its explicit id */
        const vt_op *op = f ? f->body->blocks[0]->ops[0] : NULL;
        CHECK(op && vt_op_attr(op, "mhlo.frontend_attributes") != NULL);
        vt_module_free(s);
    }
    vt_module_free(m);
}


/* Every op of every function of the prefill graph (regions included) as a target, with and
 * without a cut at an earlier op of its block: each slice builds and verifies, or is refused
 * with VT_EINPUT (result-less ops); none crashes or leaks. */
typedef struct all_ctx {
    const vt_module *m;
    int ok, refused;
} all_ctx;

static vt_status slice_each(vt_op *op, void *user, vt_error *err) {
    (void)err;
    all_ctx *a = user;
    vt_buf id, cut;
    vt_buf_init(&id);
    vt_buf_init(&cut);
    vt_error e;
    if (vt_op_path_id(op, &id, &e) == VT_OK) {
        if (op->nresults > 1) vt_buf_printf(&id, ":%zu", op->nresults - 1);
        const char *t[1] = {vt_buf_cstr(&id)}, *c[1] = {NULL};
        if (op->index > 0 && vt_op_path_id(op->parent->ops[op->index / 2], &cut, &e) == VT_OK) c[0] = vt_buf_cstr(&cut);
        for (int k = 0; k < 2; k++) {
            vt_xf_slice_spec sp = {.targets = t, .ntargets = 1, .cuts = c, .ncuts = k && c[0] ? 1 : 0};
            vt_module *out = NULL;
            vt_status s = vt_xf_slice(a->m, &sp, &out, &e);
            if (s == VT_OK) a->ok++;
            else if (s == VT_EINPUT && op->nresults == 0) a->refused++;
            else CHECK_MSG(0, "slice %s: %s", t[0], e.msg);
            vt_module_free(out);
        }
    }
    vt_buf_free(&id);
    vt_buf_free(&cut);
    return VT_OK;
}

TEST(every_op) {
    tiny t;
    if (!tiny_load(&t)) return;
    vt_error err;
    all_ctx a = {t.m, 0, 0};
    CHECK_EQ_INT(vt_module_walk(t.m, slice_each, &a, &err), VT_OK);
    CHECK(a.ok > 100 && a.refused > 0);
    tiny_free(&t);
}

/* ---- refusals ---- */
static const char *k_small =
    "func.func @main(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {\n"
    "  %0 = stablehlo.add %a, %b : tensor<2xf32>\n"
    "  %1:2 = call @two(%0) : (tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)\n"
    "  %2 = stablehlo.multiply %1#0, %1#1 : tensor<2xf32>\n"
    "  %c = stablehlo.constant dense<2.0> : tensor<2xf32>\n"
    "  %3 = stablehlo.tanh %2 : tensor<2xf32>\n"
    "  return %3 : tensor<2xf32>\n"
    "}\n"
    "func.func private @two(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {\n"
    "  %0 = stablehlo.negate %x : tensor<2xf32>\n"
    "  return %0, %x : tensor<2xf32>, tensor<2xf32>\n"
    "}\n";

static vt_status try_slice(const vt_module *m, const char *const *t, size_t nt, const char *const *c, size_t nc,
                           const char *name, vt_error *err) {
    vt_xf_slice_spec sp = {.targets = t, .ntargets = nt, .cuts = c, .ncuts = nc, .name = name};
    vt_module *out = NULL;
    vt_status s = vt_xf_slice(m, &sp, &out, err);
    vt_module_free(out);
    return s;
}

TEST(refusals) {
    vt_module *m = parse(k_small);
    if (!m) return;
    vt_error err;
    const char *unk[1] = {"@main/99"};
    CHECK_ERR(try_slice(m, unk, 1, NULL, 0, NULL, &err), &err, VT_ECHECK, "@main/99");
    const char *nofn[1] = {"@nosuch/1"};
    CHECK_ERR(try_slice(m, nofn, 1, NULL, 0, NULL, &err), &err, VT_ECHECK, "@nosuch/1");
    const char *bad[1] = {"@main/x"};
    vt_status s = try_slice(m, bad, 1, NULL, 0, NULL, &err);
    CHECK(s == VT_EINPUT || s == VT_ECHECK);
    CHECK(strstr(err.msg, "@main/x") != NULL);
    const char *multi[1] = {"@main/1"};
    CHECK_ERR(try_slice(m, multi, 1, NULL, 0, NULL, &err), &err, VT_EINPUT, "name one as ID:k");
    const char *range[1] = {"@main/1:2"};
    CHECK_ERR(try_slice(m, range, 1, NULL, 0, NULL, &err), &err, VT_EINPUT, "has 2 results");
    const char *huge[1] = {"@main/1:99999999999999999999"};
    CHECK_ERR(try_slice(m, huge, 1, NULL, 0, NULL, &err), &err, VT_ECHECK, "99999999999999999999");
    const char *ret[1] = {"@main/5"};
    CHECK_ERR(try_slice(m, ret, 1, NULL, 0, NULL, &err), &err, VT_EINPUT, "has no results");
    const char *two_blocks[2] = {"@main/0", "@two/0"};
    CHECK_ERR(try_slice(m, two_blocks, 2, NULL, 0, NULL, &err), &err, VT_EINPUT, "another block");
    const char *tgt[1] = {"@main/2"}, *cut_other[1] = {"@two/0"};
    CHECK_ERR(try_slice(m, tgt, 1, cut_other, 1, NULL, &err), &err, VT_EINPUT, "cut '@two/0'");
    vt_module *loop = parse(k_loop);
    const char *lt[1] = {"@main/1:1"}, *cut_region[1] = {"@main/1/1/3"};
    if (loop) CHECK_ERR(try_slice(loop, lt, 1, cut_region, 1, NULL, &err), &err, VT_EINPUT, "not in the block of the targets");
    vt_module_free(loop);
    CHECK_ERR(try_slice(m, tgt, 1, NULL, 0, "two", &err), &err, VT_EINPUT, "@two is taken");
    CHECK_ERR(try_slice(m, tgt, 1, NULL, 0, "bad name", &err), &err, VT_EINPUT, "not a valid function name");
    CHECK_ERR(try_slice(m, tgt, 1, NULL, 0, "9lives", &err), &err, VT_EINPUT, "not a valid function name");
    CHECK_ERR(try_slice(m, tgt, 1, NULL, 0, "", &err), &err, VT_EINPUT, "not a valid function name");
    char longname[400];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    CHECK_ERR(try_slice(m, tgt, 1, NULL, 0, longname, &err), &err, VT_EINPUT, "not a valid function name");
    CHECK_ERR(try_slice(m, NULL, 0, NULL, 0, NULL, &err), &err, VT_EINPUT, "no target");
    const char *empty[1] = {""};
    CHECK_ERR(try_slice(m, empty, 1, NULL, 0, NULL, &err), &err, VT_EINPUT, "empty op id");
    CHECK_ERR(try_slice(m, tgt, 1, empty, 1, NULL, &err), &err, VT_EINPUT, "cut: empty op id");
    /* allowed: a target that does not depend on the cut, a cut that does not separate (the
     * function arguments it needs become arguments), a named entry, a multi-result target */
    const char *cst[1] = {"@main/3"}, *c0[1] = {"@main/0"};
    vt_xf_slice_spec sp = {.targets = cst, .ntargets = 1, .cuts = c0, .ncuts = 1, .name = "consts"};
    vt_module *out = NULL;
    CHECK_EQ_INT(vt_xf_slice(m, &sp, &out, &err), VT_OK);
    if (out) {
        CHECK(vt_module_find_func(out, "consts") && vt_module_find_func(out, "consts")->nargs == 1);
        vt_module_free(out);
    }
    const char *pair[2] = {"@main/1:1", "@main/2"}, *ca[1] = {"@main/0"};
    sp = (vt_xf_slice_spec){.targets = pair, .ntargets = 2, .cuts = ca, .ncuts = 1};
    CHECK_EQ_INT(vt_xf_slice(m, &sp, &out, &err), VT_OK);
    if (out) {
        const vt_func *f = vt_module_find_func(out, "main");
        CHECK(f && f->nargs == 1 && f->nresults == 2 && vt_module_find_func(out, "two"));
        roundtrip(out);
        vt_module_free(out);
    }
    /* cut at the call (both results): they become two arguments */
    const char *callcut[1] = {"@main/1"};
    sp = (vt_xf_slice_spec){.targets = tgt, .ntargets = 1, .cuts = callcut, .ncuts = 1};
    CHECK_EQ_INT(vt_xf_slice(m, &sp, &out, &err), VT_OK);
    if (out) {
        const vt_func *f = vt_module_find_func(out, "main");
        CHECK(f && f->nargs == 2 && !vt_module_find_func(out, "two"));
        if (f && f->nargs == 2) CHECK_STR(arg_origin(f, 1), "@main/1:1");
        vt_module_free(out);
    }
    CHECK_ERR(vt_xf_slice(NULL, &sp, &out, &err), &err, VT_EINPUT, "needs a module");
    vt_module_free(m);
}

int main(void) {
    vt_error err;
    vt_engine_options eo = {.threads = 1};
    g_engine = vt_engine_create(&eo, &err);
    if (!g_engine) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    RUN(layer_replay_bit_exact);
    RUN(layer_replay_inlined);
    RUN(while_body_target);
    RUN(random_programs);
    RUN(explicit_ids);
    RUN(every_op);
    RUN(refusals);
    vt_engine_destroy(g_engine);
    return vt_test_finish();
}
