// read_http()'s parser (ToastStunt's tasks.c, with the same nodejs
// http_parser): the bytes of a connection's input lines, fed in order, until
// one HTTP request or response is whole.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lang/value.h"

namespace echo::actors {

class HttpReader {
 public:
  // `max_bytes`: the most the message's parts may hold in all (the task's
  // string limit); past it feed() ends with overflowed() true.
  HttpReader(bool request, int64_t max_bytes);
  ~HttpReader();
  HttpReader(const HttpReader&) = delete;
  HttpReader& operator=(const HttpReader&) = delete;

  // Feeds one input line: a binary string ("~0D~0A"), as a binary
  // connection delivers what it reads. True once the answer is ready:
  //   a map of "method" (a request) or "status" (a response), "uri",
  //   "headers" (a map), "body", as far as they came;
  //   with "error" -> {name, description} when the bytes are not HTTP;
  //   with "upgrade" -> 1 when the message asks for another protocol;
  //   0 for a line that is not a valid binary string.
  bool feed(std::string_view binary_line);
  Value answer() const { return answer_; }
  bool overflowed() const;

 private:
  struct State;
  std::unique_ptr<State> st_;
  Value answer_ = Value::integer(0);
};

}  // namespace echo::actors
