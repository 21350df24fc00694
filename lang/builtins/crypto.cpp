// crypt(), string_hash(), binary_hash(), value_hash(), and ToastStunt's
// string_hmac(), binary_hmac(), value_hmac() and salt().
//
// LambdaMOO's hashes are MD5 as 32 upper-case hex digits. ToastStunt adds an
// optional algorithm name (md5, sha1, sha224, sha256, sha384, sha512,
// ripemd160) and a flag for binary-string output ("~XX" per byte), and makes
// sha256 the default. Echo keeps LambdaMOO's default (MD5) and accepts
// ToastStunt's optional arguments.
#include <crypt.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cerrno>
#include <cstdlib>

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

// ---- HMAC ----------------------------------------------------------------

std::string hex_digest(const unsigned char* d, unsigned int len, bool binary) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    if (binary) out += '~';
    out += kHex[d[i] >> 4];
    out += kHex[d[i] & 0xF];
  }
  return out;
}

// The shared tail of the three hmac builtins (ToastStunt's crypto.cc):
// (message, key [, algorithm [, binary]]). The key is a binary string of any
// length (E_INVARG if malformed); the algorithm "sha1" or "sha256" (the
// default), in any case, else E_INVARG; the result upper-case hex, or "~XX"
// per byte when binary is true.
Value hmac_result(std::span<Value> args, std::string_view message) {
  std::string key;
  if (!binary_to_raw(args[1].as_str(), &key)) raise(E_INVARG);
  std::string_view algo = args.size() >= 3 ? args[2].as_str() : std::string_view("sha256");
  bool binary = args.size() >= 4 && args[3].truthy();
  const EVP_MD* md = compare_ci(algo, "sha1") == 0     ? EVP_sha1()
                     : compare_ci(algo, "sha256") == 0 ? EVP_sha256()
                                                       : nullptr;
  if (!md) raise(E_INVARG);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  key.reserve(1);  // HMAC() wants a valid pointer even for an empty key
  if (!HMAC(md, key.data(), int(key.size()),
            reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &len))
    raise(E_INVARG);
  return str(hex_digest(digest, len, binary));
}

// string_hmac(text, key ...): the text's own bytes.
Value bf_string_hmac(BuiltinContext&, std::span<Value> args) { return hmac_result(args, args[0].as_str()); }

// binary_hmac(bytes, key ...): a binary string (E_INVARG if malformed).
Value bf_binary_hmac(BuiltinContext&, std::span<Value> args) {
  std::string raw;
  if (!binary_to_raw(args[0].as_str(), &raw)) raise(E_INVARG);
  return hmac_result(args, raw);
}

// value_hmac(value, key ...): toliteral(value).
Value bf_value_hmac(BuiltinContext&, std::span<Value> args) {
  std::string lit = to_literal(args[0]);
  return hmac_result(args, lit);
}

// ---- salt ----------------------------------------------------------------

enum class SaltFormat { Traditional, Md5, Sha256, Sha512, Bcrypt };

// ToastStunt's parse_prefix (crypto.cc): the format a prefix names and its
// count (SHA-crypt "rounds=N$", 1000 to 999999999; bcrypt's "NN$", 4 to 31;
// 0 when absent). False for a malformed one. Anything else is Traditional
// here; the caller checks its characters.
bool parse_salt_prefix(std::string_view p, SaltFormat* format, unsigned long* count) {
  *count = 0;
  *format = SaltFormat::Traditional;
  // strtol as ToastStunt, on a copy that ends in NUL.
  auto number = [&](size_t from, size_t dollar, unsigned long lo, unsigned long hi) {
    std::string digits(p.substr(from));
    char* end = nullptr;
    errno = 0;
    long v = std::strtol(digits.c_str(), &end, 10);
    size_t used = size_t(end - digits.c_str());
    *count = static_cast<unsigned long>(v);  // negative: huge, as in C
    return used > 0 && from + used == dollar && *count >= lo && *count <= hi && errno == 0;
  };
  if (p.size() >= 3 && (p[1] == '1' || p[1] == '5' || p[1] == '6')) {
    if (p.substr(0, 3) == "$1$") {
      *format = SaltFormat::Md5;
      return true;
    }
    if (p.substr(0, 3) == "$5$") *format = SaltFormat::Sha256;
    else if (p.substr(0, 3) == "$6$") *format = SaltFormat::Sha512;
    else return false;
    size_t i = p.size() - 1;
    while (i >= 3 && p[i] != '$') --i;
    if (i >= 3 && p.size() >= 11 && p.substr(3, 7) == "rounds=") return number(10, i, 1000, 999999999);
    return i < 3;
  }
  if (p.size() >= 4 && p[0] == '$' && p[1] == '2' && (p[2] == 'a' || p[2] == 'x' || p[2] == 'y') && p[3] == '$') {
    *format = SaltFormat::Bcrypt;
    size_t i = p.size() - 1;
    while (i >= 4 && p[i] != '$') --i;
    if (i >= 4 && p.size() >= 7) return number(4, i, 4, 31);
    return i < 4;
  }
  return true;
}

constexpr std::string_view kItoa64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
constexpr std::string_view kBcryptItoa64 = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

// Three bytes, little-end first, as four characters (crypt_gensalt.c).
void put24(std::string& out, const unsigned char* in) {
  unsigned long v = in[0] | (unsigned long)in[1] << 8 | (unsigned long)in[2] << 16;
  for (int k = 0; k < 4; ++k) out += kItoa64[(v >> (6 * k)) & 0x3f];
}

// salt(prefix, random) (ToastStunt): a salt for crypt() in the format the
// prefix names, made from the bytes of `random`, a binary string, as
// Openwall's crypt_gensalt does: "" or two salt characters for traditional
// DES (two bytes needed), "$1$" MD5 (three, six used), "$5$"/"$6$" with
// optional "rounds=N$" SHA-crypt (three, twelve used), "$2a$"/"$2y$" with
// optional "NN$" cost bcrypt (sixteen; cost 05 by default). E_INVARG for an
// unknown or malformed prefix, a malformed binary string or too few bytes.
Value bf_salt(BuiltinContext&, std::span<Value> args) {
  std::string_view prefix = args[0].as_str();
  SaltFormat format;
  unsigned long count;
  if (!parse_salt_prefix(prefix, &format, &count)) raise(E_INVARG);
  auto itoa64 = [](char c) { return kItoa64.find(c) != std::string_view::npos; };
  if (format == SaltFormat::Traditional &&
      !(prefix.empty() || (prefix.size() >= 2 && itoa64(prefix[0]) && itoa64(prefix[1]))))
    raise(E_INVARG);
  std::string raw;
  if (!binary_to_raw(args[1].as_str(), &raw)) raise(E_INVARG);
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size();
  std::string out;
  switch (format) {
    case SaltFormat::Traditional:
      if (n < 2) raise(E_INVARG);
      out += kItoa64[in[0] & 0x3f];
      out += kItoa64[in[1] & 0x3f];
      break;
    case SaltFormat::Md5:
      if (n < 3) raise(E_INVARG);
      out = "$1$";
      put24(out, in);
      if (n >= 6) put24(out, in + 3);
      break;
    case SaltFormat::Sha256:
    case SaltFormat::Sha512: {
      if (n < 3) raise(E_INVARG);
      out = std::string(prefix.substr(0, 3));
      if (count) out += "rounds=" + std::to_string(count) + "$";
      for (size_t i = 0; i + 3 <= std::min<size_t>(n, 12); i += 3) put24(out, in + i);
      break;
    }
    case SaltFormat::Bcrypt: {
      // crypt_blowfish's gensalt takes $2a$, $2b$ and $2y$; parse_prefix lets
      // $2x$ through to fail here.
      if (n < 16 || prefix[2] == 'x') raise(E_INVARG);
      if (!count) count = 5;
      out = "$2";
      out += prefix[2];
      out += '$';
      out += char('0' + count / 10);
      out += char('0' + count % 10);
      out += '$';
      // BF_encode: sixteen bytes as 22 characters, big-end first.
      for (size_t i = 0; i < 16;) {
        unsigned c1 = in[i++];
        out += kBcryptItoa64[c1 >> 2];
        c1 = (c1 & 0x03) << 4;
        if (i >= 16) { out += kBcryptItoa64[c1]; break; }
        unsigned c2 = in[i++];
        out += kBcryptItoa64[c1 | (c2 >> 4)];
        c1 = (c2 & 0x0f) << 2;
        if (i >= 16) { out += kBcryptItoa64[c1]; break; }
        c2 = in[i++];
        out += kBcryptItoa64[c1 | (c2 >> 6)];
        out += kBcryptItoa64[c2 & 0x3f];
      }
      break;
    }
  }
  return str(out);
}

}  // namespace

void register_crypto_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"string_hash", 1, 3, {A::Str, A::Str, A::Any}, bf_string_hash});
  b.add({"binary_hash", 1, 3, {A::Str, A::Str, A::Any}, bf_binary_hash});
  b.add({"value_hash", 1, 3, {A::Any, A::Str, A::Any}, bf_value_hash});
  b.add({"crypt", 1, 2, {A::Str, A::Str}, bf_crypt});
  b.add({"string_hmac", 2, 4, {A::Str, A::Str, A::Str, A::Any}, bf_string_hmac});
  b.add({"binary_hmac", 2, 4, {A::Str, A::Str, A::Str, A::Any}, bf_binary_hmac});
  b.add({"value_hmac", 2, 4, {A::Any, A::Str, A::Str, A::Any}, bf_value_hmac});
  b.add({"salt", 2, 2, {A::Str, A::Str}, bf_salt});
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
