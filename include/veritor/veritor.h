/* veritor public C API: one header per layer; this one includes them all. */
#ifndef VERITOR_H
#define VERITOR_H
#include "veritor/base.h"
#include "veritor/tensor.h"
#include "veritor/hlo.h"
#include "veritor/hlo_builder.h"
#include "veritor/interp.h"
#include "veritor/store.h"
#include "veritor/protocol.h"
#include "veritor/protocol_graph.h"
#include "veritor/verify.h"
#include "veritor/workload.h"
#endif
