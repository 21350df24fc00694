// parse_moo: MOO source -> AST (shape of every construct, positions, literal
// values) and its compile errors (syntax and LambdaMOO's checks).
#include <catch2/catch.hpp>

#include <cmath>
#include <deque>
#include <string>

#include "lang/parse.h"

using namespace echo;
using ast::BinOp;
using ast::Expr;
using ast::ExprKind;
using ast::Stmt;
using ast::StmtKind;

namespace {

// Parses a program that must be valid. The results are kept for the whole
// run, so references into them stay valid in the test cases.
const ParseResult& ok(const std::string& src) {
  static std::deque<ParseResult> kept;
  kept.push_back(parse_moo(src));
  const ParseResult& r = kept.back();
  std::string messages;
  for (const auto& e : r.errors) messages += e.to_string() + "\n";
  INFO(src << "\n" << messages);
  REQUIRE(r.ok());
  return r;
}

// The expression of a program made of one expression statement.
const Expr& expr_of(const ParseResult& r) {
  REQUIRE(r.program.body.size() == 1);
  REQUIRE(r.program.body[0]->kind == StmtKind::Expr);
  return *r.program.body[0]->expr;
}

std::vector<std::string> errors(const std::string& src) {
  ParseResult r = parse_moo(src);
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.to_string());
  if (!r.ok()) CHECK(r.program.body.empty());
  return out;
}

void check_var(const Expr& e, const char* name) {
  REQUIRE(e.kind == ExprKind::Var);
  CHECK(e.name == name);
}

void check_int(const Expr& e, int64_t v) {
  REQUIRE(e.kind == ExprKind::Literal);
  REQUIRE(e.value.is_int());
  CHECK(e.value.as_int() == v);
}

}  // namespace

// ------------------------------------------------------------------ literals

TEST_CASE("parse_moo: integer literals", "[parse_moo]") {
  check_int(expr_of(ok("42;")), 42);
  check_int(expr_of(ok("9223372036854775807;")), INT64_MAX);
  check_int(expr_of(ok("-9223372036854775808;")), INT64_MIN);
  check_int(expr_of(ok("-5;")), -5);
  check_int(expr_of(ok("-(5);")), -5);  // LambdaMOO folds the negation of a literal
  const Expr& neg = expr_of(ok("-x;"));
  CHECK(neg.kind == ExprKind::Unary);
  CHECK(neg.unop == ast::UnOp::Neg);
}

TEST_CASE("parse_moo: float literals in every spelling", "[parse_moo]") {
  struct {
    const char* src;
    double value;
  } cases[] = {{"1.5;", 1.5},   {".5;", 0.5},       {"1.;", 1.0},      {"1e10;", 1e10},
               {"1.5e-3;", 1.5e-3}, {"1E+3;", 1000.0}, {"1.e2;", 100.0}, {"-2.5;", -2.5}};
  for (const auto& c : cases) {
    INFO(c.src);
    const Expr& e = expr_of(ok(c.src));
    REQUIRE(e.kind == ExprKind::Literal);
    REQUIRE(e.value.is_float());
    CHECK(e.value.as_float() == c.value);
  }
}

TEST_CASE("parse_moo: integer before range dots", "[parse_moo]") {
  const Expr& e = expr_of(ok("x[1..2];"));
  REQUIRE(e.kind == ExprKind::Range);
  check_int(*e.index, 1);
  check_int(*e.index2, 2);
}

TEST_CASE("parse_moo: string escapes", "[parse_moo]") {
  CHECK(expr_of(ok(R"("plain";)")).value.as_str() == "plain");
  CHECK(expr_of(ok(R"("say \"hi\"";)")).value.as_str() == "say \"hi\"");
  CHECK(expr_of(ok(R"("back\\slash";)")).value.as_str() == "back\\slash");
  CHECK(expr_of(ok(R"("odd \q";)")).value.as_str() == "odd q");
  CHECK(expr_of(ok(R"("";)")).value.as_str().empty());
  // Bytes outside ASCII (a Latin-1 verb) are kept as they are.
  CHECK(expr_of(ok("\"caf\xe9\";")).value.as_str() == "caf\xe9");
  CHECK(expr_of(ok("\"\xc3\xa9t\xc3\xa9\";")).value.as_str() == "\xc3\xa9t\xc3\xa9");
}

TEST_CASE("parse_moo: objects, errors, booleans", "[parse_moo]") {
  const Expr& o = expr_of(ok("#123;"));
  REQUIRE(o.value.is_obj());
  CHECK(o.value.as_obj() == 123);
  CHECK(expr_of(ok("#-1;")).value.as_obj() == -1);
  const Expr& e = expr_of(ok("E_PERM;"));
  REQUIRE(e.value.is_err());
  CHECK(e.value.as_err() == E_PERM);
  CHECK(expr_of(ok("e_float;")).value.as_err() == E_FLOAT);
  CHECK(expr_of(ok("E_NONE;")).value.as_err() == E_NONE);
  REQUIRE(expr_of(ok("true;")).value.is_bool());
  CHECK(expr_of(ok("true;")).value.as_bool());
  CHECK_FALSE(expr_of(ok("false;")).value.as_bool());
}

// --------------------------------------------------------------- expressions

TEST_CASE("parse_moo: operator precedence", "[parse_moo]") {
  const Expr& e = expr_of(ok("1 + 2 * 3;"));
  REQUIRE(e.kind == ExprKind::Binary);
  CHECK(e.binop == BinOp::Add);
  CHECK(e.rhs->binop == BinOp::Mul);

  // || and && share a level, left associative.
  const Expr& l = expr_of(ok("a || b && c;"));
  REQUIRE(l.kind == ExprKind::And);
  CHECK(l.lhs->kind == ExprKind::Or);

  // Unary minus binds tighter than ^, which is right associative.
  const Expr& p = expr_of(ok("-a ^ b ^ c;"));
  REQUIRE(p.kind == ExprKind::Binary);
  CHECK(p.binop == BinOp::Pow);
  CHECK(p.lhs->kind == ExprKind::Unary);
  CHECK(p.rhs->binop == BinOp::Pow);

  const Expr& in = expr_of(ok("x in y == 1;"));
  CHECK(in.binop == BinOp::Eq);
  CHECK(in.lhs->binop == BinOp::In);

  // ToastStunt bitwise operators bind tighter than comparisons.
  const Expr& b = expr_of(ok("a == b |. c &. d ^. e << 1 >> 2;"));
  CHECK(b.binop == BinOp::Eq);
  CHECK(b.rhs->binop == BinOp::BitXor);
  CHECK(b.rhs->rhs->binop == BinOp::Shr);
  CHECK(b.rhs->rhs->lhs->binop == BinOp::Shl);

  // `2^.5` is a power of 0.5, not a bitwise xor.
  const Expr& f = expr_of(ok("2^.5;"));
  CHECK(f.binop == BinOp::Pow);
  CHECK(f.rhs->value.as_float() == 0.5);

  const Expr& u = expr_of(ok("!~x;"));
  CHECK(u.unop == ast::UnOp::Not);
  CHECK(u.lhs->unop == ast::UnOp::BitNot);
}

TEST_CASE("parse_moo: conditional and assignment", "[parse_moo]") {
  const Expr& e = expr_of(ok("x = a ? b | (c ? d | e);"));
  REQUIRE(e.kind == ExprKind::Assign);
  check_var(*e.lhs, "x");
  REQUIRE(e.rhs->kind == ExprKind::Cond);
  check_var(*e.rhs->cond, "a");
  check_var(*e.rhs->lhs, "b");
  CHECK(e.rhs->rhs->kind == ExprKind::Cond);
  // `?` and `|` are %nonassoc in LambdaMOO: chaining needs parentheses,
  // but a conditional between `?` and `|` is fine.
  CHECK_FALSE(echo::parse_moo("x = a ? b | c ? d | e;").ok());
  CHECK(echo::parse_moo("x = a ? b ? c | d | e;").ok());

  const Expr& chain = expr_of(ok("a = b = 3;"));
  CHECK(chain.rhs->kind == ExprKind::Assign);

  for (const char* target : {"x.y = 1;", "x[1] = 1;", "x[1..2] = 1;", "$p = 1;", "x.(n)[2] = 1;",
                             "(x) = 1;", "f().p = 1;"})
    ok(target);
}

TEST_CASE("parse_moo: scattering assignment", "[parse_moo]") {
  const Expr& e = expr_of(ok("{a, ?b = 1, @c, ?d} = args;"));
  REQUIRE(e.kind == ExprKind::Scatter);
  REQUIRE(e.scatter.size() == 4);
  CHECK(e.scatter[0].kind == ast::ScatterTarget::Required);
  CHECK(e.scatter[0].name == "a");
  CHECK(e.scatter[1].kind == ast::ScatterTarget::Optional);
  check_int(*e.scatter[1].default_value, 1);
  CHECK(e.scatter[2].kind == ast::ScatterTarget::Rest);
  CHECK(e.scatter[2].name == "c");
  CHECK(e.scatter[3].kind == ast::ScatterTarget::Optional);
  CHECK(e.scatter[3].default_value == nullptr);
  check_var(*e.rhs, "args");

  const Expr& plain = expr_of(ok("{a, @b} = args;"));
  REQUIRE(plain.kind == ExprKind::Scatter);
  CHECK(plain.scatter[1].kind == ast::ScatterTarget::Rest);

  // A parenthesised name is still a variable (LambdaMOO accepts it).
  const Expr& paren = expr_of(ok("{a, (b)} = args;"));
  REQUIRE(paren.kind == ExprKind::Scatter);
  CHECK(paren.scatter[1].name == "b");
}

TEST_CASE("parse_moo: properties and verb calls", "[parse_moo]") {
  const Expr& p = expr_of(ok("x.name;"));
  REQUIRE(p.kind == ExprKind::Prop);
  check_var(*p.object, "x");
  CHECK(p.name == "name");
  CHECK(p.name_expr == nullptr);

  const Expr& c = expr_of(ok("x.(\"na\" + \"me\");"));
  REQUIRE(c.kind == ExprKind::Prop);
  CHECK(c.name.empty());
  CHECK(c.name_expr->kind == ExprKind::Binary);

  const Expr& v = expr_of(ok("x:tell(1, @rest);"));
  REQUIRE(v.kind == ExprKind::VerbCall);
  CHECK(v.name == "tell");
  REQUIRE(v.args.size() == 2);
  CHECK(v.args[1]->kind == ExprKind::Splice);
  check_var(*v.args[1]->lhs, "rest");

  const Expr& dv = expr_of(ok("x:(vname)();"));
  REQUIRE(dv.kind == ExprKind::VerbCall);
  check_var(*dv.name_expr, "vname");
  CHECK(dv.args.empty());

  // Keywords and error names are fine as property and verb names.
  CHECK(expr_of(ok("x.in;")).name == "in");
  CHECK(expr_of(ok("x:E_TYPE();")).name == "E_TYPE");
}

TEST_CASE("parse_moo: system references and builtin calls", "[parse_moo]") {
  const Expr& s = expr_of(ok("$string_utils;"));
  REQUIRE(s.kind == ExprKind::SysRef);
  CHECK(s.name == "string_utils");

  const Expr& sv = expr_of(ok("$foo(1, 2);"));
  REQUIRE(sv.kind == ExprKind::SysVerbCall);
  CHECK(sv.name == "foo");
  CHECK(sv.args.size() == 2);

  const Expr& vc = expr_of(ok("$string_utils:trim(s);"));
  REQUIRE(vc.kind == ExprKind::VerbCall);
  CHECK(vc.object->kind == ExprKind::SysRef);

  const Expr& b = expr_of(ok("Notify(player, \"hi\");"));
  REQUIRE(b.kind == ExprKind::Builtin);
  CHECK(b.name == "Notify");  // original spelling: the compiler folds case
  CHECK(b.args.size() == 2);
}

TEST_CASE("parse_moo: index, range, first and last", "[parse_moo]") {
  const Expr& i = expr_of(ok("x[$];"));
  REQUIRE(i.kind == ExprKind::Index);
  CHECK(i.index->kind == ExprKind::Last);
  const Expr& r = expr_of(ok("s[^..$ - 1];"));
  REQUIRE(r.kind == ExprKind::Range);
  CHECK(r.index->kind == ExprKind::First);
  CHECK(r.index2->kind == ExprKind::Binary);
  CHECK(r.index2->lhs->kind == ExprKind::Last);
  // `$` anywhere inside the brackets, as in LambdaMOO.
  ok("x[length(x) > 1 ? $ | 1];");
  ok("x[y[$]][$];");
}

TEST_CASE("parse_moo: lists, maps, catch expressions", "[parse_moo]") {
  const Expr& l = expr_of(ok("{1, @x, \"s\"};"));
  REQUIRE(l.kind == ExprKind::List);
  REQUIRE(l.args.size() == 3);
  CHECK(l.args[1]->kind == ExprKind::Splice);
  CHECK(expr_of(ok("{};")).args.empty());

  const Expr& m = expr_of(ok("[\"a\" -> 1, 2 -> {}];"));
  REQUIRE(m.kind == ExprKind::Map);
  REQUIRE(m.args.size() == 4);
  CHECK(m.args[0]->value.as_str() == "a");
  check_int(*m.args[1], 1);
  CHECK(expr_of(ok("[];")).kind == ExprKind::Map);

  const Expr& c = expr_of(ok("`x.y ! E_PROPNF, E_PERM => 0';"));
  REQUIRE(c.kind == ExprKind::Catch);
  CHECK(c.lhs->kind == ExprKind::Prop);
  CHECK_FALSE(c.codes_any);
  REQUIRE(c.args.size() == 2);
  CHECK(c.args[1]->value.as_err() == E_PERM);
  check_int(*c.rhs, 0);

  const Expr& a = expr_of(ok("`f() ! ANY';"));
  CHECK(a.codes_any);
  CHECK(a.args.empty());
  CHECK(a.rhs == nullptr);

  const Expr& s = expr_of(ok("`f() ! @codes';"));
  REQUIRE(s.args.size() == 1);
  CHECK(s.args[0]->kind == ExprKind::Splice);
}

// ---------------------------------------------------------------- statements

TEST_CASE("parse_moo: if / elseif / else", "[parse_moo]") {
  const ParseResult& r = ok("if (a)\n  x = 1;\nelseif (b)\nelseif (c)\n  y;\nelse\n  z;\nendif\n");
  REQUIRE(r.program.body.size() == 1);
  const Stmt& s = *r.program.body[0];
  REQUIRE(s.kind == StmtKind::If);
  REQUIRE(s.conds.size() == 3);
  REQUIRE(s.bodies.size() == 3);
  check_var(*s.conds[2], "c");
  CHECK(s.bodies[0].size() == 1);
  CHECK(s.bodies[1].empty());
  CHECK(s.has_else);
  CHECK(s.body.size() == 1);

  const Stmt& plain = *ok("if (a) endif").program.body[0];
  CHECK_FALSE(plain.has_else);
  CHECK(plain.bodies[0].empty());
}

TEST_CASE("parse_moo: keywords ignore case", "[parse_moo]") {
  const ParseResult& r = ok("IF (a) x; ElseIf (b) y; ELSE z; ENDIF\nWhile (1) BREAK; EndWhile\n"
                     "Return E_Type;");
  REQUIRE(r.program.body.size() == 3);
  CHECK(r.program.body[0]->kind == StmtKind::If);
  CHECK(r.program.body[1]->kind == StmtKind::While);
  CHECK(r.program.body[2]->expr->value.as_err() == E_TYPE);
}

TEST_CASE("parse_moo: loops", "[parse_moo]") {
  const ParseResult& r = ok(
      "for x in (items) total = total + x; endfor\n"
      "for v, k in (map) endfor\n"
      "for i in [1..10] endfor\n"
      "while (i < 3) i = i + 1; endwhile\n"
      "while outer (1) while (1) break outer; endwhile continue outer; endwhile\n");
  const auto& b = r.program.body;
  REQUIRE(b.size() == 5);
  CHECK(b[0]->kind == StmtKind::ForList);
  CHECK(b[0]->name == "x");
  CHECK(b[0]->index_name.empty());
  check_var(*b[0]->expr, "items");
  CHECK(b[0]->body.size() == 1);
  CHECK(b[1]->kind == StmtKind::ForList);
  CHECK(b[1]->name == "v");
  CHECK(b[1]->index_name == "k");
  CHECK(b[2]->kind == StmtKind::ForRange);
  check_int(*b[2]->expr, 1);
  check_int(*b[2]->expr2, 10);
  CHECK(b[3]->kind == StmtKind::While);
  CHECK(b[3]->name.empty());
  CHECK(b[4]->name == "outer");
  const Stmt& inner = *b[4]->body[0];
  CHECK(inner.body[0]->kind == StmtKind::Break);
  CHECK(inner.body[0]->name == "outer");
  CHECK(b[4]->body[1]->kind == StmtKind::Continue);
  // The loop variable names a for loop.
  ok("for x in (l) for y in [1..2] break x; endfor endfor");
}

TEST_CASE("parse_moo: fork, return, try", "[parse_moo]") {
  const ParseResult& r = ok(
      "fork (5) player:tell(1); endfork\n"
      "fork tid (0) endfork\n"
      "return;\n"
      "return 1 + 2;\n"
      "try x; except (E_PERM) y; except err (E_TYPE, @more) z; except (ANY) endtry\n"
      "try x; finally y; endtry\n"
      ";\n");
  const auto& b = r.program.body;
  REQUIRE(b.size() == 6);  // the empty statement produces nothing
  CHECK(b[0]->kind == StmtKind::Fork);
  check_int(*b[0]->expr, 5);
  CHECK(b[0]->body.size() == 1);
  CHECK(b[1]->name == "tid");
  CHECK(b[2]->kind == StmtKind::Return);
  CHECK(b[2]->expr == nullptr);
  CHECK(b[3]->expr->kind == ExprKind::Binary);
  const Stmt& t = *b[4];
  REQUIRE(t.kind == StmtKind::Try);
  CHECK(t.body.size() == 1);
  REQUIRE(t.excepts.size() == 3);
  CHECK(t.excepts[0].var.empty());
  CHECK(t.excepts[0].codes.size() == 1);
  CHECK(t.excepts[1].var == "err");
  REQUIRE(t.excepts[1].codes.size() == 2);
  CHECK(t.excepts[1].codes[1]->kind == ExprKind::Splice);
  CHECK(t.excepts[2].codes_any);
  CHECK(t.excepts[2].body.empty());
  CHECK(t.excepts[1].pos.line == 5);
  CHECK_FALSE(t.has_finally);
  const Stmt& f = *b[5];
  CHECK(f.has_finally);
  CHECK(f.excepts.empty());
  CHECK(f.finally_body.size() == 1);
}

TEST_CASE("parse_moo: comments", "[parse_moo]") {
  const ParseResult& r = ok("\"a comment string\";\nx = /* inline */ 1;\n/* block\n comment */ y = {1, /* c */ 2};\n");
  const auto& b = r.program.body;
  REQUIRE(b.size() == 3);
  CHECK(b[0]->expr->value.as_str() == "a comment string");
  check_int(*b[1]->expr->rhs, 1);
  CHECK(b[2]->expr->rhs->args.size() == 2);
}

TEST_CASE("parse_moo: positions", "[parse_moo]") {
  const ParseResult& r = ok("x = 1;\n  if (y)\n    return x + 2;\n  endif\n");
  const auto& b = r.program.body;
  CHECK(b[0]->pos.line == 1);
  CHECK(b[0]->pos.column == 1);
  CHECK(b[0]->expr->rhs->pos.column == 5);
  CHECK(b[1]->pos.line == 2);
  CHECK(b[1]->pos.column == 3);
  CHECK(b[1]->conds[0]->pos.line == 2);
  CHECK(b[1]->conds[0]->pos.column == 7);
  const Stmt& ret = *b[1]->bodies[0][0];
  CHECK(ret.pos.line == 3);
  CHECK(ret.pos.column == 5);
  CHECK(ret.expr->pos.line == 3);
  CHECK(ret.expr->pos.column == 12);
  CHECK(ret.expr->rhs->pos.column == 16);
}

TEST_CASE("parse_moo: every verb shape of a real core", "[parse_moo]") {
  ok("\"...This code should only be run as a server task...\";\n"
     "if (callers())\n  return E_PERM;\nendif\n"
     "if (typeof(h = $network:incoming_connection(player)) == OBJ)\n  return h;\nelseif (h)\n"
     "  return 0;\nendif\n"
     "{?core_variant = \"x\", ?in_mcd = 0} = args;\n"
     "return $login:(args[1])(@listdelete(args, 1));\n"
     "value = top ? value / 1e+24 | (value * 1e+24);\n"
     "r = [\"\" -> [], \"a\" -> [\"b\" -> 1]];\n"
     "ret = ((red << 5) |. (green << 2)) |. blue;\n"
     "`delete_property(this, \"\") ! E_PROPNF';\n");
}

// ------------------------------------------------------------------- errors

TEST_CASE("parse_moo: syntax errors name what was found and expected", "[parse_moo]") {
  CHECK(errors("if (a)\n  x = 1\nendif\n") ==
        std::vector<std::string>{"Line 2, column 8: expected ';' after expression but found 'endif'"});
  CHECK(errors("x = y z;") ==
        std::vector<std::string>{"Line 1, column 7: expected ';', '(' or an operator but found 'z'"});
  CHECK(errors("for x in y\nendfor") ==
        std::vector<std::string>{"Line 1, column 10: expected '(' or '[' but found 'y'"});
  CHECK(errors("while (x) y; endfor") ==
        std::vector<std::string>{
            "Line 1, column 14: expected 'endwhile' or a statement but found 'endfor'"});
  CHECK(errors("if (x)\n  y = 1;\n") ==
        std::vector<std::string>{"Line 3, column 1: expected 'endif', 'elseif', 'else' or a "
                                 "statement but found end of program"});
  CHECK(errors("x = foo(1, 2;") ==
        std::vector<std::string>{
            "Line 1, column 13: expected ')' to close the argument list but found ';'"});
  CHECK(errors("x.;") ==
        std::vector<std::string>{"Line 1, column 3: expected a property name after '.' but found ';'"});
  CHECK(errors("try x; endtry") ==
        std::vector<std::string>{
            "Line 1, column 8: expected 'except', 'finally' or a statement but found 'endtry'"});
  CHECK(errors("x = \"abc;") ==
        std::vector<std::string>{"Line 1, column 5: expected an expression but found an unterminated string"});
  CHECK(errors("x = `f() ! ANY;") ==
        std::vector<std::string>{
            "Line 1, column 15: expected \"'\" to close the catch expression but found ';'"});
  CHECK(errors("x = 1..2;") ==
        std::vector<std::string>{"Line 1, column 6: expected ';' or an operator but found '..'"});
  CHECK(errors("y = \xe9;") ==
        std::vector<std::string>{"Line 1, column 5: expected an expression but found '\\xe9'"});
  // A keyword where a name is expected: keywords are reserved.
  CHECK(errors("x = 1;\nendwhile\n") ==
        std::vector<std::string>{"Line 2, column 1: expected a statement but found 'endwhile'"});
}

TEST_CASE("parse_moo: several syntax errors are reported in order", "[parse_moo]") {
  CHECK(errors("x = 1;\ny = ;\nz = 3;\nw = (;\nreturn 5;\n") ==
        std::vector<std::string>{"Line 2, column 5: expected an expression but found ';'",
                                 "Line 4, column 6: expected an expression but found ';'"});
}

TEST_CASE("parse_moo: break and continue need a loop", "[parse_moo]") {
  CHECK(errors("break;") == std::vector<std::string>{"Line 1, column 1: 'break' is not inside a loop"});
  CHECK(errors("if (1) continue; endif") ==
        std::vector<std::string>{"Line 1, column 8: 'continue' is not inside a loop"});
  CHECK(errors("while (1) fork (0) break; endfork endwhile") ==
        std::vector<std::string>{"Line 1, column 20: 'break' is not inside a loop (a fork body "
                                 "cannot leave the loop around it)"});
  CHECK(errors("while a (1) break b; endwhile") ==
        std::vector<std::string>{"Line 1, column 19: 'break b' is not inside a loop named 'b'"});
  CHECK(errors("while A (1) BREAK a; endwhile").empty());  // loop names ignore case
}

TEST_CASE("parse_moo: assignment targets", "[parse_moo]") {
  const std::string tail =
      ": the left side of '=' must be a variable, property, index or range";
  CHECK(errors("1 = 2;") == std::vector<std::string>{"Line 1, column 1: cannot assign to a constant" + tail});
  CHECK(errors("x = 1;\nf() = 2;") ==
        std::vector<std::string>{"Line 2, column 1: cannot assign to a function call" + tail});
  CHECK(errors("a + b = c;") ==
        std::vector<std::string>{"Line 1, column 1: cannot assign to an expression" + tail});
  CHECK(errors("x[1..2][3] = 5;") ==
        std::vector<std::string>{"Line 1, column 1: cannot assign to an index of a range" + tail});
  CHECK(errors("{a, @b, @c} = x;") ==
        std::vector<std::string>{"Line 1, column 1: more than one '@' target in scattering assignment"});
  CHECK(errors("{} = x;") ==
        std::vector<std::string>{"Line 1, column 1: empty list in scattering assignment"});
  CHECK(errors("{a, b.c} = x;") ==
        std::vector<std::string>{"Line 1, column 1: scattering assignment targets must be simple variables"});
}

TEST_CASE("parse_moo: literal ranges, $ and ^, reserved words", "[parse_moo]") {
  CHECK(errors("x = 9223372036854775808;") ==
        std::vector<std::string>{"Line 1, column 5: integer literal 9223372036854775808 is out "
                                 "of range (64-bit integers)"});
  CHECK(errors("x = 1e999;") ==
        std::vector<std::string>{"Line 1, column 5: floating-point literal 1e999 is out of range"});
  CHECK(errors("x = $;") ==
        std::vector<std::string>{"Line 1, column 5: '$' is only allowed inside an index, where it "
                                 "means the last position"});
  CHECK(errors("for i in [1..^] endfor") ==
        std::vector<std::string>{"Line 1, column 14: '^' is only allowed inside an index, where it "
                                 "means the first position"});
  CHECK(errors("x = if;") ==
        std::vector<std::string>{"Line 1, column 5: expected an expression but found reserved word 'if'"});
  CHECK(errors("for in in (x) endfor") ==
        std::vector<std::string>{"Line 1, column 5: expected a loop variable but found reserved word 'in'"});
  CHECK(errors("try except (ANY) except (E_PERM) endtry") ==
        std::vector<std::string>{
            "Line 1, column 18: unreachable 'except' clause: an earlier clause catches ANY"});
  // Semantic errors come in source order too.
  CHECK(errors("break;\nx = $;\n1 = 2;").size() == 3);
}

TEST_CASE("parse_moo: very deep nesting is an error, long chains are fine", "[parse_moo]") {
  std::string deep = "x = " + std::string(3000, '(') + "1" + std::string(3000, ')') + ";";
  std::vector<std::string> e = errors(deep);
  REQUIRE(e.size() == 1);
  CHECK(e[0].find("nested too deeply") != std::string::npos);
  std::string chain = "x = 1";
  for (int i = 0; i < 1000; i++) chain += " + 1";
  ok(chain + ";");
}
