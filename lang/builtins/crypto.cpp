// crypt(), string_hash(), binary_hash(), value_hash().
//
// LambdaMOO's hashes are MD5 as 32 upper-case hex digits. ToastStunt adds an
// optional algorithm name (md5, sha1, sha224, sha256, sha384, sha512,
// ripemd160) and a flag for binary-string output ("~XX" per byte), and makes
// sha256 the default. Echo keeps LambdaMOO's default (MD5) and accepts
// ToastStunt's optional arguments.
#include <crypt.h>
#include <openssl/evp.h>

#include <memory>
#include <string>

#include "lang/builtins/helpers.h"

namespace echo::bi {

bool hash_bytes(std::string_view algo, std::string_view data, bool binary, std::string* out) {
  static const char* const kAlgos[] = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512",
                                       "ripemd160"};
  const char* name = nullptr;
  for (const char* a : kAlgos)
    if (compare_ci(algo, a) == 0) name = a;
  if (!name) return false;
  EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (!md) return false;
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  bool ok = EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) == 1;
  EVP_MD_free(md);
  if (!ok) return false;
  static const char kHex[] = "0123456789ABCDEF";
  out->clear();
  for (unsigned int i = 0; i < len; ++i) {
    if (binary) *out += '~';
    *out += kHex[digest[i] >> 4];
    *out += kHex[digest[i] & 0xF];
  }
  return true;
}

namespace {

Value hash_result(std::span<Value> args, std::string_view data) {
  std::string_view algo = args.size() >= 2 ? args[1].as_str() : std::string_view("md5");
  bool binary = args.size() >= 3 && args[2].truthy();
  std::string out;
  if (!hash_bytes(algo, data, binary, &out)) raise(E_INVARG);
  return str(out);
}

Value bf_string_hash(BuiltinContext&, std::span<Value> args) {
  return hash_result(args, args[0].as_str());
}

Value bf_binary_hash(BuiltinContext&, std::span<Value> args) {
  std::string raw;
  if (!binary_to_raw(args[0].as_str(), &raw)) raise(E_INVARG);
  return hash_result(args, raw);
}

Value bf_value_hash(BuiltinContext&, std::span<Value> args) {
  std::string lit = to_literal(args[0]);
  return hash_result(args, lit);
}

// crypt(text [, salt]): with no salt, or one shorter than two characters, a
// random two-character salt; otherwise the whole salt string is passed to
// crypt(3) (so "$1$...", "$6$..." settings work). NULL from crypt(3) is
// E_INVARG; libxcrypt's failure tokens ("*0") are returned as they are.
Value bf_crypt(BuiltinContext& ctx, std::span<Value> args) {
  static const char kSaltChars[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./";
  std::string salt;
  if (args.size() < 2 || args[1].as_str().size() < 2) {
    salt += kSaltChars[random_u64(ctx) % 64];
    salt += kSaltChars[random_u64(ctx) % 64];
  } else {
    salt = std::string(args[1].as_str());
  }
  // ToastStunt: only a wizard may ask for a non-default strength (SHA-crypt
  // "rounds=", a bcrypt cost other than 05), which can make crypt() run for
  // a very long time; Echo then runs it in the background, so that a
  // wizard's 40M rounds hold up only its own task.
  bool sha = salt.rfind("$5$rounds=", 0) == 0 || salt.rfind("$6$rounds=", 0) == 0;
  bool bcrypt = salt.size() >= 4 && salt[0] == '$' && salt[1] == '2' && salt[3] == '$';
  bool strength = sha || (bcrypt && salt.compare(4, 3, "05$") != 0);
  if (strength && !ctx.wizard()) raise(E_PERM);
  auto run = [text = std::string(args[0].as_str()), salt = std::move(salt)] {
    auto data = std::make_unique<crypt_data>();
    const char* r = crypt_r(text.c_str(), salt.c_str(), data.get());
    if (!r) raise(E_INVARG);
    return str(r);
  };
  return strength ? ctx.in_background(std::move(run)) : run();
}

}  // namespace

void register_crypto_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"string_hash", 1, 3, {A::Str, A::Str, A::Any}, bf_string_hash});
  b.add({"binary_hash", 1, 3, {A::Str, A::Str, A::Any}, bf_binary_hash});
  b.add({"value_hash", 1, 3, {A::Any, A::Str, A::Any}, bf_value_hash});
  b.add({"crypt", 1, 2, {A::Str, A::Str}, bf_crypt});
  // random_bytes(count) (ToastStunt): count random bytes as a binary string.
  b.add({"random_bytes", 1, 1, {A::Int}, [](BuiltinContext& ctx, std::span<Value> a) {
           int64_t n = a[0].as_int();
           if (n < 0 || n > 10000) throw MooError(E_INVARG);
           std::string raw(size_t(n), '\0');
           for (auto& ch : raw) ch = char(random_u64(ctx) & 0xFF);
           return str(raw_to_binary(raw));
         }});
}

}  // namespace echo::bi
