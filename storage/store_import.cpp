// WorldImage <-> store: import_world and export_world.
#include <filesystem>
#include <unordered_map>

#include "storage/store.h"
#include "storage/store_util.h"

namespace fs = std::filesystem;

namespace echo::storage {

namespace {

constexpr size_t kImportBatchBytes = 4 << 20;

void add_object(Batch& b, const Object& o, bool anonymous) {
  b.put_object(o, anonymous);
  for (size_t i = 0; i < o.verbs.size(); ++i)
    if (o.verbs[i].program) b.put_verb_source(o.id, uint32_t(i), *o.verbs[i].program);
}

}  // namespace

std::string import_world(const WorldImage& image, const std::string& db_path, ProgressFn progress, bool overwrite) {
  std::string target = Store::dir_for(db_path);
  if (fs::exists(target) && !overwrite) throw StoreError(target + ": exists (pass overwrite to replace it)");
  for (size_t i = 0; i < image.objects.size(); ++i)
    if (image.objects[i].id != Objid(i))
      throw StoreError("import into " + target + ": objects[" + std::to_string(i) + "] has id #" +
                       std::to_string(image.objects[i].id));
  std::string tmp = util::temp_dir_for(target);
  try {
    // Bulk load without a sync per batch: atomicity comes from the rename,
    // durability from the synced last write and the fsync of the tree.
    auto store = Store::open_dir(tmp, StoreOptions{true, false});
    uint64_t total = image.objects.size() + image.anonymous.size(), done = 0;
    Batch batch;
    auto flush = [&](bool last) {
      if (batch.bytes() >= kImportBatchBytes || last) {
        store->commit(batch, last);
        batch.clear();
        if (progress) progress(done, total);
      }
    };
    for (const Object& o : image.objects) {
      add_object(batch, o, false);
      ++done;
      flush(false);
    }
    MetaInfo meta;
    for (const Object& o : image.anonymous) {
      if (o.id < Objid(image.objects.size()))
        throw StoreError("import into " + target + ": anonymous object #" + std::to_string(o.id) +
                         " has a permanent object's id");
      add_object(batch, o, true);
      meta.anonymous_ids.push_back(o.id);
      ++done;
      flush(false);
    }
    meta.textdump_format = image.format;
    meta.header_dummy = image.header_dummy;
    meta.max_object = Objid(image.objects.size()) - 1;
    meta.players = image.players;
    meta.sections = image.sections;
    meta.trailing = image.trailing;
    meta.anonymous_batches = image.anonymous_batches;
    batch.put_meta(meta);
    flush(true);
    store->close();
    util::fsync_tree(tmp);
  } catch (const std::exception& e) {
    std::error_code ec;
    fs::remove_all(tmp, ec);
    throw StoreError(std::string("import into ") + target + ": " + e.what());
  }
  util::install_dir(tmp, target, overwrite);
  return target;
}

WorldImage export_world(const Store& store) {
  std::optional<MetaInfo> meta = store.get_meta();
  if (!meta) throw StoreError(store.dir() + ": no meta record (not an imported world)");
  WorldImage im;
  im.format = meta->textdump_format;
  im.header_dummy = meta->header_dummy;
  im.players = meta->players;
  im.sections = meta->sections;
  im.trailing = meta->trailing;
  im.anonymous_batches = meta->anonymous_batches;
  if (meta->max_object < -1) throw StoreError(store.dir() + ": meta max_object " + std::to_string(meta->max_object));
  im.objects.resize(size_t(meta->max_object + 1));
  std::vector<bool> seen(im.objects.size());
  std::unordered_map<Objid, Object> anonymous;
  store.for_each_object([&](ObjectRecord&& o) {
    if (o.id >= 0 && o.id <= meta->max_object) {
      seen[size_t(o.id)] = true;
      im.objects[size_t(o.id)] = std::move(o);
    } else {
      Objid id = o.id;
      anonymous.emplace(id, std::move(o));
    }
  });
  for (size_t i = 0; i < seen.size(); ++i)
    if (!seen[i]) throw StoreError(store.dir() + ": object #" + std::to_string(i) + " is missing");
  for (Objid id : meta->anonymous_ids) {
    auto it = anonymous.find(id);
    if (it == anonymous.end()) throw StoreError(store.dir() + ": anonymous object #" + std::to_string(id) + " is missing");
    im.anonymous.push_back(std::move(it->second));
    anonymous.erase(it);
  }
  if (!anonymous.empty())
    throw StoreError(store.dir() + ": object #" + std::to_string(anonymous.begin()->first) +
                     " is neither permanent nor listed as anonymous");
  std::unordered_map<Objid, Object*> anon_index;
  for (Object& o : im.anonymous) anon_index[o.id] = &o;
  store.for_each_verb_source([&](Objid id, uint32_t index, std::string&& source) {
    Object* o = nullptr;
    if (id >= 0 && id < Objid(im.objects.size()))
      o = &im.objects[size_t(id)];
    else if (auto it = anon_index.find(id); it != anon_index.end())
      o = it->second;
    if (!o || index >= o->verbs.size())
      throw StoreError(store.dir() + ": a program for #" + std::to_string(id) + ":" + std::to_string(index) +
                       ", which does not exist");
    o->verbs[index].program = std::move(source);
  });
  return im;
}

}  // namespace echo::storage
