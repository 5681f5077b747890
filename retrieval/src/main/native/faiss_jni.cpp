// JNI binding of dev.shortlist.retrieval.FaissNative over the FAISS C++ library.
//
// One Handle per Java FaissIndex. Items carry 64-bit ids: IVF indexes keep them in their inverted
// lists (with a hash-table direct map for lookups and removal); every other index is wrapped in an
// IndexIDMap2, whose inner index is searched directly so that exclusion filters can act on the
// inner labels. Every entry point catches C++ exceptions and rethrows them as Java exceptions;
// the Java side serialises writes and lets searches run concurrently.

#include <jni.h>
#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include <faiss/IVFlib.h>
#include <faiss/Index.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexFlatCodes.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/IndexPreTransform.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>

#if __has_include("dev_shortlist_retrieval_FaissNative.h")
#include "dev_shortlist_retrieval_FaissNative.h"
#endif

using idx_t = faiss::Index::idx_t;

namespace {

// Flags reported by info(); mirrored in FaissNative.java.
constexpr jint FLAG_TRAINED = 1;
constexpr jint FLAG_INNER_PRODUCT = 2;
constexpr jint FLAG_IVF = 4;
constexpr jint FLAG_HNSW = 8;
constexpr jint FLAG_CAN_REMOVE = 16;
constexpr jint FLAG_EXACT_VECTORS = 32;
constexpr jint FLAG_ID_MAP = 64;

struct Handle {
    faiss::Index* top = nullptr;           // owned; what write() saves
    faiss::IndexIDMap2* idmap = nullptr;   // == top when ids are mapped, else null
    faiss::Index* inner = nullptr;         // the index searched
    faiss::IndexIVF* ivf = nullptr;        // the IVF inside inner, or null
    faiss::IndexHNSW* hnsw = nullptr;      // inner as HNSW, or null

    ~Handle() { delete top; }

    bool contains(idx_t id) const {
        if (idmap) {
            return idmap->rev_map.count(id) != 0;
        }
        if (ivf && ivf->direct_map.type == faiss::DirectMap::Hashtable) {
            return ivf->direct_map.hashtable.count(id) != 0;
        }
        return false;
    }

    bool can_remove() const {
        if (hnsw) {
            return false;
        }
        if (idmap) {
            // IndexIDMap::remove_ids expects the inner index to shift later labels down, which
            // the flat-code indexes (Flat, PQ, SQ) do and IVF or graph indexes do not.
            return dynamic_cast<faiss::IndexFlatCodes*>(idmap->index) != nullptr;
        }
        return ivf != nullptr && ivf->direct_map.type == faiss::DirectMap::Hashtable;
    }

    bool exact_vectors() const {
        if (hnsw) {
            return dynamic_cast<faiss::IndexFlat*>(hnsw->storage) != nullptr;
        }
        if (inner != top && idmap == nullptr) {
            return false;
        }
        return dynamic_cast<faiss::IndexFlat*>(inner) != nullptr ||
                dynamic_cast<faiss::IndexIVFFlat*>(inner) != nullptr;
    }
};

// ---- exceptions ----

void throw_java(JNIEnv* env, const char* cls, const std::string& message) {
    if (env->ExceptionCheck()) {
        return;
    }
    jclass c = env->FindClass(cls);
    if (c != nullptr) {
        env->ThrowNew(c, message.c_str());
    }
}

// Rethrows the C++ exception being handled as a Java exception.
void translate(JNIEnv* env, const char* what) {
    try {
        throw;
    } catch (const faiss::FaissException& e) {
        throw_java(env, "java/lang/IllegalStateException",
                   std::string(what) + ": FAISS error: " + e.msg);
    } catch (const std::bad_alloc&) {
        throw_java(env, "java/lang/OutOfMemoryError",
                   std::string(what) + ": FAISS could not allocate memory");
    } catch (const std::exception& e) {
        throw_java(env, "java/lang/IllegalStateException",
                   std::string(what) + ": " + e.what());
    } catch (...) {
        throw_java(env, "java/lang/IllegalStateException",
                   std::string(what) + ": unknown native error");
    }
}

Handle* handle(jlong h) {
    return reinterpret_cast<Handle*>(h);
}

std::string java_string(JNIEnv* env, jstring s) {
    const char* chars = env->GetStringUTFChars(s, nullptr);
    std::string out(chars == nullptr ? "" : chars);
    if (chars != nullptr) {
        env->ReleaseStringUTFChars(s, chars);
    }
    return out;
}

std::vector<float> floats(JNIEnv* env, jfloatArray a, size_t n) {
    std::vector<float> v(n);
    env->GetFloatArrayRegion(a, 0, static_cast<jsize>(n), v.data());
    return v;
}

std::vector<idx_t> longs(JNIEnv* env, jlongArray a) {
    if (a == nullptr) {
        return {};
    }
    jsize n = env->GetArrayLength(a);
    std::vector<idx_t> v(n);
    static_assert(sizeof(jlong) == sizeof(idx_t), "64-bit ids");
    env->GetLongArrayRegion(a, 0, n, reinterpret_cast<jlong*>(v.data()));
    return v;
}

// ---- setting up a handle around an index ----

// An IndexIDMap2 over `inner`, which may already hold vectors (IndexIDMap2's constructor insists
// on an empty index; the caller fills id_map for the vectors present).
faiss::IndexIDMap2* id_map_over(faiss::Index* inner) {
    idx_t n = inner->ntotal;
    inner->ntotal = 0;
    faiss::IndexIDMap2* m;
    try {
        m = new faiss::IndexIDMap2(inner);
    } catch (...) {
        inner->ntotal = n;
        throw;
    }
    inner->ntotal = n;
    m->ntotal = n;
    return m;
}

// Takes ownership of `index` and decides how ids are kept (see the file comment).
Handle* wrap(faiss::Index* index) {
    std::unique_ptr<faiss::Index> owned(index);
    auto h = std::make_unique<Handle>();
    if (auto* m2 = dynamic_cast<faiss::IndexIDMap2*>(index)) {
        h->idmap = m2;
    } else if (auto* m = dynamic_cast<faiss::IndexIDMap*>(index)) {
        // A plain IDMap has no reverse map: convert it to an IDMap2 over the same inner index.
        auto* m2new = id_map_over(m->index);
        m2new->own_fields = m->own_fields;
        m->own_fields = false;
        m2new->id_map = m->id_map;
        m2new->ntotal = m->ntotal;
        m2new->is_trained = m->is_trained;
        m2new->construct_rev_map();
        owned.reset(m2new);
        h->idmap = m2new;
    } else if (faiss::IndexIVF* ivf = faiss::ivflib::try_extract_index_ivf(index)) {
        h->ivf = ivf;
        if (ivf->direct_map.type != faiss::DirectMap::Hashtable) {
            ivf->set_direct_map_type(faiss::DirectMap::Hashtable);
        }
    } else {
        // Labels 0..ntotal-1 become ids 0..ntotal-1.
        auto* m2new = id_map_over(index);
        m2new->own_fields = true;
        owned.release();
        for (idx_t i = 0; i < index->ntotal; i++) {
            m2new->id_map.push_back(i);
        }
        m2new->ntotal = index->ntotal;
        m2new->construct_rev_map();
        owned.reset(m2new);
        h->idmap = m2new;
    }
    h->top = owned.release();
    h->inner = h->idmap ? h->idmap->index : h->top;
    h->hnsw = dynamic_cast<faiss::IndexHNSW*>(h->inner);
    if (h->idmap && h->ivf == nullptr) {
        h->ivf = faiss::ivflib::try_extract_index_ivf(h->inner);
    }
    return h.release();
}

// ---- search ----

// Accepts inner labels whose id (through the IDMap) is not excluded.
struct EligibleLabels : faiss::IDSelector {
    const std::vector<idx_t>& id_of_label;
    const std::vector<idx_t>& excluded; // sorted
    EligibleLabels(const std::vector<idx_t>& id_of_label, const std::vector<idx_t>& excluded)
            : id_of_label(id_of_label), excluded(excluded) {}
    bool is_member(idx_t label) const override {
        return !std::binary_search(excluded.begin(), excluded.end(), id_of_label[label]);
    }
};

// Accepts ids that are not excluded.
struct EligibleIds : faiss::IDSelector {
    const std::vector<idx_t>& excluded; // sorted
    explicit EligibleIds(const std::vector<idx_t>& excluded) : excluded(excluded) {}
    bool is_member(idx_t id) const override {
        return !std::binary_search(excluded.begin(), excluded.end(), id);
    }
};

struct Results {
    std::vector<float> distances;
    std::vector<idx_t> ids;
    int count = 0;
};

// Maps labels to ids, drops missing and excluded entries, keeps at most k.
Results collect(const Handle& h, const std::vector<float>& d, const std::vector<idx_t>& labels,
                int k, const std::vector<idx_t>& excluded) {
    Results r;
    r.distances.reserve(k);
    r.ids.reserve(k);
    for (size_t i = 0; i < labels.size() && r.count < k; i++) {
        idx_t label = labels[i];
        if (label < 0) {
            continue;
        }
        idx_t id = h.idmap ? h.idmap->id_map[label] : label;
        if (!excluded.empty() && std::binary_search(excluded.begin(), excluded.end(), id)) {
            continue;
        }
        r.distances.push_back(d[i]);
        r.ids.push_back(id);
        r.count++;
    }
    return r;
}

// Searches `index` (an exhaustive one) for k + |excluded| neighbours and filters: k eligible
// results whenever k eligible items exist.
Results exhaustive(const Handle& h, const faiss::Index* index, const float* q, int k,
                   const std::vector<idx_t>& excluded) {
    idx_t kk = std::min<idx_t>(index->ntotal, static_cast<idx_t>(k) + excluded.size());
    if (kk <= 0) {
        return {};
    }
    std::vector<float> d(kk);
    std::vector<idx_t> labels(kk);
    index->search(1, q, kk, d.data(), labels.data());
    return collect(h, d, labels, k, excluded);
}

Results search(const Handle& h, const float* q, int k, int ef, int nprobe,
               const std::vector<idx_t>& excluded) {
    idx_t ntotal = h.top->ntotal;
    if (ntotal == 0) {
        return {};
    }
    idx_t present = 0;
    for (idx_t id : excluded) {
        present += h.contains(id) ? 1 : 0;
    }
    idx_t eligible = ntotal - present;
    idx_t want = std::min<idx_t>(k, eligible);
    if (want <= 0) {
        return {};
    }
    std::unique_ptr<faiss::IDSelector> sel;
    if (!excluded.empty()) {
        if (h.idmap) {
            sel.reset(new EligibleLabels(h.idmap->id_map, excluded));
        } else {
            sel.reset(new EligibleIds(excluded));
        }
    }
    idx_t kk = std::min<idx_t>(k, ntotal);
    std::vector<float> d(kk);
    std::vector<idx_t> labels(kk);
    if (h.hnsw) {
        faiss::SearchParametersHNSW p;
        p.efSearch = std::max(ef, k);
        p.sel = sel.get();
        h.inner->search(1, q, kk, d.data(), labels.data(), &p);
        Results r = collect(h, d, labels, k, {});
        if (r.count >= want) {
            return r;
        }
        // The graph search found too few eligible items (heavy exclusions): scan the storage.
        return exhaustive(h, h.hnsw->storage, q, k, excluded);
    }
    if (h.ivf) {
        // nprobe reaches an IVF behind a transform through the parameters, the exclusion
        // selector does not: there, exclusions are filtered from a longer result list.
        bool direct = h.inner == static_cast<faiss::Index*>(h.ivf);
        faiss::SearchParametersIVF p;
        p.nprobe = static_cast<size_t>(std::max(nprobe, 1));
        p.sel = direct ? sel.get() : nullptr;
        idx_t kl = direct ? kk : std::min<idx_t>(ntotal, static_cast<idx_t>(k) + excluded.size());
        std::vector<float> dl(kl);
        std::vector<idx_t> ll(kl);
        const std::vector<idx_t> none;
        const std::vector<idx_t>& filter = direct ? none : excluded;
        h.inner->search(1, q, kl, dl.data(), ll.data(), &p);
        Results r = collect(h, dl, ll, k, filter);
        if (r.count >= want || p.nprobe >= h.ivf->nlist) {
            return r;
        }
        // Too few eligible items in the probed lists: probe them all.
        p.nprobe = h.ivf->nlist;
        h.inner->search(1, q, kl, dl.data(), ll.data(), &p);
        return collect(h, dl, ll, k, filter);
    }
    // Flat and other exhaustive indexes.
    return exhaustive(h, h.inner, q, k, excluded);
}

// ---- memory ----

long long bytes(const faiss::Index* index);

long long invlist_bytes(const faiss::InvertedLists* lists) {
    if (lists == nullptr) {
        return 0;
    }
    long long total = 0;
    for (size_t l = 0; l < lists->nlist; l++) {
        total += static_cast<long long>(lists->list_size(l)) * (lists->code_size + sizeof(idx_t));
    }
    return total;
}

long long bytes(const faiss::Index* index) {
    if (index == nullptr) {
        return 0;
    }
    if (auto* m = dynamic_cast<const faiss::IndexIDMap2*>(index)) {
        return bytes(m->index) + m->ntotal * (long long)(sizeof(idx_t) * 4);
    }
    if (auto* m = dynamic_cast<const faiss::IndexIDMap*>(index)) {
        return bytes(m->index) + m->ntotal * (long long)sizeof(idx_t);
    }
    if (auto* f = dynamic_cast<const faiss::IndexFlatCodes*>(index)) {
        return static_cast<long long>(f->codes.size());
    }
    if (auto* g = dynamic_cast<const faiss::IndexHNSW*>(index)) {
        return bytes(g->storage) + g->hnsw.neighbors.size() * 4LL + g->hnsw.levels.size() * 4LL +
                g->hnsw.offsets.size() * 8LL;
    }
    if (auto* ivf = dynamic_cast<const faiss::IndexIVF*>(index)) {
        return bytes(ivf->quantizer) + invlist_bytes(ivf->invlists) +
                ivf->direct_map.hashtable.size() * 32LL;
    }
    if (auto* t = dynamic_cast<const faiss::IndexPreTransform*>(index)) {
        return bytes(t->index);
    }
    return index->ntotal * (long long)index->sa_code_size();
}

} // namespace

extern "C" {

JNIEXPORT jlong JNICALL Java_dev_shortlist_retrieval_FaissNative_create(
        JNIEnv* env, jclass, jint dimension, jstring factory, jboolean innerProduct) {
    std::string description = java_string(env, factory);
    try {
        faiss::Index* index = faiss::index_factory(
                dimension, description.c_str(),
                innerProduct ? faiss::METRIC_INNER_PRODUCT : faiss::METRIC_L2);
        return reinterpret_cast<jlong>(wrap(index));
    } catch (const faiss::FaissException& e) {
        throw_java(env, "java/lang/IllegalArgumentException",
                   "factory string '" + description + "' is not one FAISS can build: " + e.msg);
    } catch (...) {
        translate(env, ("creating a FAISS index '" + description + "'").c_str());
    }
    return 0;
}

JNIEXPORT jlong JNICALL Java_dev_shortlist_retrieval_FaissNative_read(
        JNIEnv* env, jclass, jstring path) {
    std::string file = java_string(env, path);
    try {
        faiss::Index* index = faiss::read_index(file.c_str());
        return reinterpret_cast<jlong>(wrap(index));
    } catch (...) {
        translate(env, ("reading FAISS index " + file).c_str());
    }
    return 0;
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_write(
        JNIEnv* env, jclass, jlong h, jstring path) {
    std::string file = java_string(env, path);
    try {
        faiss::write_index(handle(h)->top, file.c_str());
    } catch (...) {
        translate(env, ("writing FAISS index " + file).c_str());
    }
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_free(JNIEnv*, jclass, jlong h) {
    delete handle(h);
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_dimension(
        JNIEnv*, jclass, jlong h) {
    return handle(h)->top->d;
}

JNIEXPORT jlong JNICALL Java_dev_shortlist_retrieval_FaissNative_size(JNIEnv*, jclass, jlong h) {
    return handle(h)->top->ntotal;
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_flags(JNIEnv*, jclass, jlong h) {
    const Handle* x = handle(h);
    jint f = 0;
    f |= x->top->is_trained ? FLAG_TRAINED : 0;
    f |= x->top->metric_type == faiss::METRIC_INNER_PRODUCT ? FLAG_INNER_PRODUCT : 0;
    f |= x->ivf ? FLAG_IVF : 0;
    f |= x->hnsw ? FLAG_HNSW : 0;
    f |= x->can_remove() ? FLAG_CAN_REMOVE : 0;
    f |= x->exact_vectors() ? FLAG_EXACT_VECTORS : 0;
    f |= x->idmap ? FLAG_ID_MAP : 0;
    return f;
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_metricType(
        JNIEnv*, jclass, jlong h) {
    return static_cast<jint>(handle(h)->top->metric_type);
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_nlist(JNIEnv*, jclass, jlong h) {
    const Handle* x = handle(h);
    return x->ivf ? static_cast<jint>(x->ivf->nlist) : 0;
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_defaultEfSearch(
        JNIEnv*, jclass, jlong h) {
    const Handle* x = handle(h);
    return x->hnsw ? x->hnsw->hnsw.efSearch : 0;
}

JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_defaultNprobe(
        JNIEnv*, jclass, jlong h) {
    const Handle* x = handle(h);
    return x->ivf ? static_cast<jint>(x->ivf->nprobe) : 0;
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_setEfConstruction(
        JNIEnv*, jclass, jlong h, jint ef) {
    Handle* x = handle(h);
    if (x->hnsw) {
        x->hnsw->hnsw.efConstruction = ef;
    }
}

// Sets the HNSW search candidate list size stored in the index. FAISS 1.7.3 sizes the candidate
// heap from this member even when SearchParametersHNSW is given, so the Java side keeps it equal
// to the efSearch of the searches it runs (changing it only under its exclusive lock).
JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_setEfSearch(
        JNIEnv*, jclass, jlong h, jint ef) {
    Handle* x = handle(h);
    if (x->hnsw) {
        x->hnsw->hnsw.efSearch = ef;
    }
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_setNprobe(
        JNIEnv*, jclass, jlong h, jint nprobe) {
    Handle* x = handle(h);
    if (x->ivf) {
        x->ivf->nprobe = static_cast<size_t>(nprobe);
    }
}

JNIEXPORT jlong JNICALL Java_dev_shortlist_retrieval_FaissNative_memoryBytes(
        JNIEnv* env, jclass, jlong h) {
    try {
        return bytes(handle(h)->top);
    } catch (...) {
        translate(env, "estimating FAISS index memory");
    }
    return 0;
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_train(
        JNIEnv* env, jclass, jlong h, jfloatArray flat, jint n, jint threads) {
    try {
        Handle* x = handle(h);
        std::vector<float> v = floats(env, flat, static_cast<size_t>(n) * x->top->d);
        omp_set_num_threads(std::max(threads, 1));
        x->top->train(n, v.data());
    } catch (...) {
        translate(env, "training the FAISS index");
    }
}

JNIEXPORT void JNICALL Java_dev_shortlist_retrieval_FaissNative_add(
        JNIEnv* env, jclass, jlong h, jlongArray ids, jfloatArray flat, jint threads) {
    try {
        Handle* x = handle(h);
        std::vector<idx_t> keys = longs(env, ids);
        std::vector<float> v = floats(env, flat, keys.size() * x->top->d);
        omp_set_num_threads(std::max(threads, 1));
        x->top->add_with_ids(static_cast<idx_t>(keys.size()), v.data(), keys.data());
    } catch (...) {
        translate(env, "adding to the FAISS index");
    }
}

JNIEXPORT jlong JNICALL Java_dev_shortlist_retrieval_FaissNative_remove(
        JNIEnv* env, jclass, jlong h, jlongArray ids) {
    try {
        Handle* x = handle(h);
        std::vector<idx_t> keys = longs(env, ids);
        omp_set_num_threads(1);
        if (x->idmap) {
            faiss::IDSelectorBatch sel(keys.size(), keys.data());
            return static_cast<jlong>(x->top->remove_ids(sel));
        }
        faiss::IDSelectorArray sel(keys.size(), keys.data());
        return static_cast<jlong>(x->top->remove_ids(sel));
    } catch (...) {
        translate(env, "removing from the FAISS index");
    }
    return 0;
}

JNIEXPORT jboolean JNICALL Java_dev_shortlist_retrieval_FaissNative_contains(
        JNIEnv* env, jclass, jlong h, jlong id) {
    try {
        return handle(h)->contains(id) ? JNI_TRUE : JNI_FALSE;
    } catch (...) {
        translate(env, "looking up an id in the FAISS index");
    }
    return JNI_FALSE;
}

JNIEXPORT jboolean JNICALL Java_dev_shortlist_retrieval_FaissNative_reconstruct(
        JNIEnv* env, jclass, jlong h, jlong id, jfloatArray out) {
    try {
        Handle* x = handle(h);
        if (!x->contains(id)) {
            return JNI_FALSE;
        }
        std::vector<float> v(x->top->d);
        x->top->reconstruct(id, v.data());
        env->SetFloatArrayRegion(out, 0, x->top->d, v.data());
        return JNI_TRUE;
    } catch (...) {
        translate(env, "reading a vector from the FAISS index");
    }
    return JNI_FALSE;
}

// Searches one query; returns how many results were written to outIds/outDistances.
JNIEXPORT jint JNICALL Java_dev_shortlist_retrieval_FaissNative_search(
        JNIEnv* env, jclass, jlong h, jfloatArray query, jint k, jint ef, jint nprobe,
        jlongArray excludedSorted, jlongArray outIds, jfloatArray outDistances) {
    try {
        Handle* x = handle(h);
        int d = x->top->d;
        float q[4096];
        std::vector<float> big;
        float* qp = q;
        if (d > 4096) {
            big.resize(d);
            qp = big.data();
        }
        env->GetFloatArrayRegion(query, 0, d, qp);
        std::vector<idx_t> excluded = longs(env, excludedSorted);
        omp_set_num_threads(1);
        Results r = search(*x, qp, k, ef, nprobe, excluded);
        env->SetLongArrayRegion(outIds, 0, r.count, reinterpret_cast<const jlong*>(r.ids.data()));
        env->SetFloatArrayRegion(outDistances, 0, r.count, r.distances.data());
        return r.count;
    } catch (...) {
        translate(env, "searching the FAISS index");
    }
    return 0;
}

} // extern "C"
