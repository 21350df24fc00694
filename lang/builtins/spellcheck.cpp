// spellcheck(word) (ToastStunt, spellcheck.cc): 1 when GNU Aspell's en_US
// dictionary knows the word, else the list of its suggestions (perhaps
// empty); E_INVARG when Aspell cannot start (no English dictionary), as in
// ToastStunt.
//
// One speller for the server, made on first use. Aspell's spellers are not
// thread-safe and Echo runs tasks at once, so calls take turns under a
// mutex. A word of more than kMaxWord bytes is E_INVARG (ToastStunt has no
// limit): no English word is that long, and a call holds the lock for up to
// 6 ms at 100 bytes but 60 ms at 1 MB (about 2 s at the 32 MB string limit),
// during which every other task's spellcheck waits.
#include <aspell.h>

#include <mutex>
#include <vector>

#include "lang/builtins/helpers.h"

namespace echo::bi {

namespace {

constexpr size_t kMaxWord = 100;

std::mutex speller_mutex;
AspellSpeller* speller = nullptr;  // guarded by speller_mutex; lives as long as the process
bool speller_failed = false;

// Under speller_mutex: the speller, or null when Aspell cannot start.
AspellSpeller* get_speller() {
  if (speller || speller_failed) return speller;
  AspellConfig* config = new_aspell_config();
  aspell_config_replace(config, "lang", "en_US");
  AspellCanHaveError* made = new_aspell_speller(config);
  delete_aspell_config(config);
  if (aspell_error_number(made) != 0) {
    delete_aspell_can_have_error(made);
    speller_failed = true;
    return nullptr;
  }
  speller = to_aspell_speller(made);
  return speller;
}

Value bf_spellcheck(BuiltinContext&, std::span<Value> args) {
  std::string_view word = args[0].as_str();
  if (word.size() > kMaxWord) raise(E_INVARG);
  std::vector<Value> suggestions;
  {
    std::lock_guard<std::mutex> lock(speller_mutex);
    AspellSpeller* s = get_speller();
    if (!s) raise(E_INVARG);
    int correct = aspell_speller_check(s, word.data(), int(word.size()));
    if (correct) return integer(correct);  // 1, or Aspell's -1 for an error, as ToastStunt returns it
    const AspellWordList* list = aspell_speller_suggest(s, word.data(), int(word.size()));
    AspellStringEnumeration* e = aspell_word_list_elements(list);
    while (const char* w = aspell_string_enumeration_next(e)) suggestions.push_back(Value::str(w));
    delete_aspell_string_enumeration(e);
  }
  return list_from(std::move(suggestions));
}

}  // namespace

void register_spellcheck_builtins(Builtins& b) { b.add({"spellcheck", 1, 1, {ArgType::Str}, bf_spellcheck}); }

}  // namespace echo::bi
