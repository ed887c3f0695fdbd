// The shared strict JSON readers: each error is raised through the module's function with the
// message "<source>: <pointer>: <what>" and the bare RFC 6901 pointer.
#include <catch2/catch.hpp>

#include <limits>
#include <stdexcept>
#include <string>

#include "harness/json/json_fields.hpp"

using relaylab::json::Where;
namespace fields = relaylab::json;
using nlohmann::json;

namespace {

// What a module's raise function does: keep both the message and the pointer.
struct TestError : std::runtime_error {
    TestError(const std::string& message, std::string at)
        : std::runtime_error(message), pointer(std::move(at)) {}
    std::string pointer;
};

[[noreturn]] void raise_test_error(const std::string& message, const std::string& pointer) {
    throw TestError(message, pointer);
}

Where root() {
    return Where("t.json", &raise_test_error);
}

// The error a call raises (fails the test if it raises none).
template <typename Call>
TestError error_of(Call call) {
    try {
        call();
    } catch (const TestError& error) {
        return error;
    }
    FAIL("want an error");
    return TestError("", "");
}

}  // namespace

TEST_CASE("fail raises through the module's function with the pointer", "[json_fields]") {
    auto error = error_of([] { (root() / "tls" / "a/b~c" / std::size_t{2}).fail("bad"); });
    CHECK(std::string(error.what()) == "t.json: /tls/a~1b~0c/2: bad");
    CHECK(error.pointer == "/tls/a~1b~0c/2");

    auto whole = error_of([] { root().fail("bad"); });
    CHECK(std::string(whole.what()) == "t.json: /: bad");
    CHECK(whole.pointer.empty());

    // A child is a copy: building one leaves the parent where it was.
    Where parent = root() / "a";
    Where child = parent / "b";
    CHECK(parent.pointer() == "/a");
    CHECK(child.pointer() == "/a/b");
}

TEST_CASE("show cuts a huge value and survives invalid UTF-8", "[json_fields]") {
    CHECK(fields::show(json("abc")) == "\"abc\"");
    auto shown = fields::show(json(std::string(10000, 'x')));
    CHECK(shown.size() < 100);
    CHECK(shown.substr(shown.size() - 3) == "...");
    CHECK_NOTHROW(fields::show(json(std::string("\xff\xfe"))));
}

TEST_CASE("type_name says what a value is", "[json_fields]") {
    CHECK(fields::type_name(json::parse("1")) == "an unsigned integer");
    CHECK(fields::type_name(json(1)) == "an integer");  // signed in code, not negative
    CHECK(fields::type_name(json(-1)) == "a negative integer");
    CHECK(fields::type_name(json(1.5)) == "a number with a fraction");
    CHECK(fields::type_name(json(nullptr)) == "null");
    CHECK(fields::type_name(json::array()) == "an array");
    CHECK(fields::type_name(json::object()) == "an object");
}

TEST_CASE("expect_object refuses non-objects and unknown keys", "[json_fields]") {
    CHECK_NOTHROW(fields::expect_object(json::parse(R"({"a": 1, "b": 2})"), root(), {"a", "b"}));
    auto not_object = error_of([] { fields::expect_object(json::array(), root(), {"a"}); });
    CHECK(std::string(not_object.what()) == "t.json: /: must be an object, got an array");
    auto unknown = error_of([] {
        fields::expect_object(json::parse(R"({"a": 1, "c": 2})"), root(), {"a", "b"});
    });
    CHECK(std::string(unknown.what()) == "t.json: /c: unknown key (known here: a, b)");
    CHECK(unknown.pointer == "/c");
}

TEST_CASE("get_string: type and length", "[json_fields]") {
    CHECK(fields::get_string(json("abcd"), root(), 4) == "abcd");
    auto long_text = error_of([] { fields::get_string(json("abcde"), root() / "s", 4); });
    CHECK(std::string(long_text.what()) == "t.json: /s: is longer than 4 characters");
    auto number = error_of([] { fields::get_string(json(25), root() / "s", 4); });
    CHECK(std::string(number.what()) == "t.json: /s: must be a string, got 25");
}

TEST_CASE("get_bool takes only true and false", "[json_fields]") {
    CHECK(fields::get_bool(json(true), root()));
    auto text = error_of([] { fields::get_bool(json("yes"), root() / "b"); });
    CHECK(std::string(text.what()) == "t.json: /b: must be true or false, got \"yes\"");
}

TEST_CASE("get_unsigned: a whole number within an inclusive range", "[json_fields]") {
    CHECK(fields::get_unsigned(json::parse("1"), root(), 1, 9) == 1);
    CHECK(fields::get_unsigned(json(1), root(), 1, 9) == 1);  // signed in code, not negative
    CHECK(fields::get_unsigned(json(9), root(), 1, 9) == 9);
    constexpr auto top = std::numeric_limits<std::uint64_t>::max();
    CHECK(fields::get_unsigned(json(top), root(), 0, top) == top);
    struct Case {
        const char* json;
        const char* want;
    };
    auto c = GENERATE(values<Case>({
        {"0", "t.json: /n: 0 is not in the range 1 to 9"},
        {"10", "t.json: /n: 10 is not in the range 1 to 9"},
        {"-1", "t.json: /n: must be a whole number from 1 to 9, got -1"},
        {"1.5", "t.json: /n: must be a whole number from 1 to 9, got 1.5"},
        {"\"5\"", "t.json: /n: must be a whole number from 1 to 9, got \"5\""},
    }));
    INFO(c.json);
    auto error = error_of([&] { fields::get_unsigned(json::parse(c.json), root() / "n", 1, 9); });
    CHECK(std::string(error.what()) == c.want);
}

TEST_CASE("get_number: any number within an inclusive range", "[json_fields]") {
    CHECK(fields::get_number(json(1), root(), 0.0, 1.0) == 1.0);
    CHECK(fields::get_number(json(0.25), root(), 0.0, 1.0) == 0.25);
    auto over = error_of([] { fields::get_number(json(1.5), root() / "p", 0.0, 1.0); });
    CHECK(std::string(over.what()) == "t.json: /p: 1.5 is not in the range 0.0 to 1.0");
    auto text = error_of([] { fields::get_number(json("x"), root() / "p", 0.0, 1.0); });
    CHECK(std::string(text.what()) == "t.json: /p: must be a number from 0.0 to 1.0, got \"x\"");
}
