// ToastStunt's string builtins: chr(), parse_ansi(), remove_ansi()
// (list.cc), encode_base64(), decode_base64() (base64.cc), url_encode() and
// url_decode() (curl.cc).
//
// Some of them make strings with bytes that no client can type: chr() (any
// byte 0-255 for a wizard, 32-254 for anyone else, as ToastStunt), and
// parse_ansi() (ESC and BEL, which is what it is for). A NUL ends the string
// there, as ToastStunt's C strings do. url_decode() gives a non-wizard only
// the bytes chr() would (E_INVARG otherwise): a raw newline in a stored
// string would split a textdump line, and chr() keeps that a wizard's power.
#include <string>
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

// ---- chr -----------------------------------------------------------------

// chr(arg, ...): integers are bytes, strings their own characters, lists are
// flattened (as encode_binary, but the result is not a binary string).
// E_INVARG for a byte out of range or any other type.
Value bf_chr(BuiltinContext& ctx, std::span<Value> args) {
  const bool wizard = ctx.wizard();
  const int64_t lo = wizard ? 0 : 32, hi = wizard ? 255 : 254;
  std::string raw = flatten_bytes(args, lo, hi);
  size_t nul = raw.find('\0');  // ToastStunt's str_dup stops there
  if (nul != std::string::npos) raw.resize(nul);
  return str(raw);
}

// ---- ANSI tags -------------------------------------------------------------

// Every non-overlapping occurrence of `tag` (which starts with '['),
// matched ignoring ASCII case, replaced by `code`, left to right (ToastStunt's
// stream_add_strsub). A string without the tag is returned as it is, after
// one scan: parse_ansi makes 32 passes.
std::string replace_ci(std::string s, std::string_view tag, std::string_view code) {
  auto at = [&](size_t i) {
    return s.size() - i >= tag.size() && compare_ci(std::string_view(s).substr(i, tag.size()), tag) == 0;
  };
  size_t i = s.find('[');
  while (i != std::string::npos && !at(i)) i = s.find('[', i + 1);
  if (i == std::string::npos) return s;
  std::string out(s, 0, i);
  while (i < s.size()) {
    if (s[i] == '[' && at(i)) {
      out.append(code);
      i += tag.size();
    } else {
      out += s[i++];
    }
  }
  check_string_length(out.size());
  return out;
}

struct AnsiTag {
  std::string_view tag, code;
};

// In ToastStunt's order: each is replaced in the result of the ones before.
constexpr AnsiTag kAnsiTags[] = {
    {"[red]", "\x1b[31m"},      {"[green]", "\x1b[32m"},     {"[yellow]", "\x1b[33m"},
    {"[blue]", "\x1b[34m"},     {"[purple]", "\x1b[35m"},    {"[cyan]", "\x1b[36m"},
    {"[normal]", "\x1b[0m"},    {"[inverse]", "\x1b[7m"},    {"[underline]", "\x1b[4m"},
    {"[bold]", "\x1b[1m"},      {"[bright]", "\x1b[1m"},     {"[unbold]", "\x1b[22m"},
    {"[blink]", "\x1b[5m"},     {"[unblink]", "\x1b[25m"},   {"[magenta]", "\x1b[35m"},
    {"[unbright]", "\x1b[22m"}, {"[white]", "\x1b[37m"},     {"[gray]", "\x1b[1;30m"},
    {"[grey]", "\x1b[1;30m"},   {"[beep]", "\a"},            {"[black]", "\x1b[30m"},
    {"[b:black]", "\x1b[40m"},  {"[b:red]", "\x1b[41m"},     {"[b:green]", "\x1b[42m"},
    {"[b:yellow]", "\x1b[43m"}, {"[b:blue]", "\x1b[44m"},    {"[b:magenta]", "\x1b[45m"},
    {"[b:purple]", "\x1b[45m"}, {"[b:cyan]", "\x1b[46m"},    {"[b:white]", "\x1b[47m"},
};

// parse_ansi(text): the tags above as ANSI escape sequences, "[random]" as
// one of six foreground colours (ToastStunt picks from the first six entries
// of its table, whose sixth repeats magenta, so never cyan), "[null]"
// removed (twice over, as ToastStunt).
Value bf_parse_ansi(BuiltinContext& ctx, std::span<Value> args) {
  static const std::string_view kRandom[] = {"\x1b[31m", "\x1b[32m", "\x1b[33m",
                                             "\x1b[34m", "\x1b[35m", "\x1b[35m"};
  std::string s(args[0].as_str());
  for (const AnsiTag& t : kAnsiTags) s = replace_ci(std::move(s), t.tag, t.code);
  std::string out;
  out.reserve(s.size());
  constexpr std::string_view kRandomTag = "[random]";
  for (size_t i = 0; i < s.size();) {
    if (s.size() - i >= kRandomTag.size() && compare_ci(std::string_view(s).substr(i, 8), kRandomTag) == 0) {
      out.append(kRandom[random_u64(ctx) % 6]);
      i += kRandomTag.size();
      check_string_length(out.size());
    } else {
      out += s[i++];
    }
  }
  out = replace_ci(std::move(out), "[null]", "");
  out = replace_ci(std::move(out), "[null]", "");
  return str(out);
}

// remove_ansi(text): every tag parse_ansi knows, "[random]" and "[null]"
// deleted, each in turn.
Value bf_remove_ansi(BuiltinContext&, std::span<Value> args) {
  std::string s(args[0].as_str());
  for (const AnsiTag& t : kAnsiTags) s = replace_ci(std::move(s), t.tag, "");
  s = replace_ci(std::move(s), "[random]", "");
  s = replace_ci(std::move(s), "[null]", "");
  return str(s);
}

// ---- base64 ----------------------------------------------------------------

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr char kBase64Safe[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// encode_base64(binary [, url-safe]): the bytes of a binary string (E_INVARG
// if malformed) in base64; url-safe uses "-" and "_" and no padding.
Value bf_encode_base64(BuiltinContext&, std::span<Value> args) {
  bool safe = args.size() > 1 && args[1].truthy();
  const char* chars = safe ? kBase64Safe : kBase64;
  std::string raw;
  if (!binary_to_raw(args[0].as_str(), &raw)) raise(E_INVARG);
  check_string_length((raw.size() + 2) / 3 * 4);
  const auto* in = reinterpret_cast<const unsigned char*>(raw.data());
  size_t n = raw.size(), i = 0;
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (; n - i >= 3; i += 3) {
    out += chars[in[i] >> 2];
    out += chars[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
    out += chars[((in[i + 1] & 0x0f) << 2) | (in[i + 2] >> 6)];
    out += chars[in[i + 2] & 0x3f];
  }
  if (n - i) {
    out += chars[in[i] >> 2];
    if (n - i == 2) {
      out += chars[((in[i] & 0x03) << 4) | (in[i + 1] >> 4)];
      out += chars[(in[i + 1] & 0x0f) << 2];
    } else {
      out += chars[(in[i] & 0x03) << 4];
      if (!safe) out += '=';
    }
    if (!safe) out += '=';
  }
  return str(out);
}

// A character's value: 0-63, kPad for '=', kBad for anything else.
constexpr unsigned char kBad = 80, kPad = 90;
unsigned char base64_value(unsigned char c, bool safe) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '=') return kPad;
  if (c == (safe ? '-' : '+')) return 62;
  if (c == (safe ? '_' : '/')) return 63;
  return kBad;
}

// decode_base64(text [, url-safe]): the bytes as a binary string. E_INVARG
// for a character outside the alphabet, anything after padding, more than
// two pad characters, one character alone, or (not url-safe) a length that
// is not a multiple of four. A url-safe text needs no padding. ToastStunt's
// decoder, step for step (what it makes of a url-safe text of 4n+1
// characters included).
Value bf_decode_base64(BuiltinContext&, std::span<Value> args) {
  bool safe = args.size() > 1 && args[1].truthy();
  std::string_view in = args[0].as_str();
  size_t len = in.size(), pad = 0;
  for (unsigned char c : in) {
    if (base64_value(c, safe) == kBad) raise(E_INVARG);
    if (pad && c != '=') raise(E_INVARG);
    if (c == '=') ++pad;
  }
  if (pad > 2 || len - pad == 1 || (!safe && len % 4)) raise(E_INVARG);
  std::string raw;
  raw.reserve(len / 4 * 3 + 3);
  unsigned char ar[4] = {0, 0, 0, 0}, block[4] = {0, 0, 0, 0};
  for (size_t i = 0; i < len + len % 4; ++i) {
    if (i < len) {
      block[i % 4] = base64_value(static_cast<unsigned char>(in[i]), safe);
      ar[i % 4] = static_cast<unsigned char>(in[i]);
    } else {
      block[i % 4] = 0;
      ar[i % 4] = '=';
    }
    if (i % 4 == 3) {
      raw += char((block[0] << 2) | (block[1] >> 4));
      raw += char((block[1] << 4) | (block[2] >> 2));
      raw += char((block[2] << 6) | block[3]);
    }
  }
  if (!raw.empty()) {
    if (ar[2] == '=') raw.resize(raw.size() - 2);
    else if (ar[3] == '=') raw.resize(raw.size() - 1);
  }
  std::string out = raw_to_binary(raw);
  return str(out);
}

// ---- URLs ----------------------------------------------------------------

// url_encode(text): every byte but letters, digits and "-._~" as %XX in
// upper-case hex (curl_easy_escape).
Value bf_url_encode(BuiltinContext&, std::span<Value> args) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : args[0].as_str()) {
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                c == '.' || c == '_' || c == '~';
    if (keep) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      check_string_length(out.size());
    }
  }
  return str(out);
}

int hex_digit(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// url_decode(text): %XX (two hex digits, either case) as that byte; any
// other "%" and "+" stay as they are (curl_easy_unescape). The result ends
// at a decoded NUL, as ToastStunt's; bytes chr() refuses the caller are
// E_INVARG (see the top of this file).
Value bf_url_decode(BuiltinContext& ctx, std::span<Value> args) {
  std::string_view in = args[0].as_str();
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(in[i]);
    if (c == '%' && i + 2 < in.size() && hex_digit(in[i + 1]) >= 0 && hex_digit(in[i + 2]) >= 0) {
      c = static_cast<unsigned char>(hex_digit(in[i + 1]) * 16 + hex_digit(in[i + 2]));
      i += 2;
    }
    if (c == 0) break;
    out += char(c);
  }
  if (!ctx.wizard())
    for (unsigned char c : out)
      if (c < 32 || c == 255) raise(E_INVARG);
  return str(out);
}

}  // namespace

void register_toast_string_builtins(Builtins& b) {
  using A = ArgType;
  b.add({"chr", 0, -1, {}, bf_chr});
  b.add({"parse_ansi", 1, 1, {A::Str}, bf_parse_ansi});
  b.add({"remove_ansi", 1, 1, {A::Str}, bf_remove_ansi});
  b.add({"encode_base64", 1, 2, {A::Str, A::Any}, bf_encode_base64});
  b.add({"decode_base64", 1, 2, {A::Str, A::Any}, bf_decode_base64});
  b.add({"url_encode", 1, 1, {A::Str}, bf_url_encode});
  b.add({"url_decode", 1, 1, {A::Str}, bf_url_decode});
}

}  // namespace echo::bi
