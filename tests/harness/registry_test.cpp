// The registry's origins and removal, which plugins rely on (harness/plugins.h): a plugin's names carry
// where they came from, a taken name is refused, and a failed plugin's names are taken back.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>

#include "harness/plugins.h"
#include "harness/registry.h"

namespace lasuite {
namespace {

TEST(Registry, KeepsOriginsRefusesTakenNamesAndRemoves) {
  Registry& r = Registry::instance();
  ASSERT_TRUE(r.contains("la2_cpu"));
  EXPECT_EQ(r.origin("la2_cpu"), "") << "built-ins have no origin";
  EXPECT_EQ(implementation_origin("la2_cpu"), "");
  auto factory = [] { return Registry::instance().create("la2_cpu"); };
  EXPECT_THROW(r.add("la2_cpu", factory, "/x.so sha256:00"), std::logic_error);
  r.add("registry_test_impl", factory, "/x.so sha256:00");
  EXPECT_EQ(r.origin("registry_test_impl"), "/x.so sha256:00");
  EXPECT_EQ(implementation_origin("registry_test_impl"), "/x.so sha256:00");
  r.remove("registry_test_impl");
  EXPECT_FALSE(r.contains("registry_test_impl"));
  EXPECT_EQ(r.origin("registry_test_impl"), "");
}

// The result files label rows by info().name and verify labels by the registered name: the two are one name
// for every implementation (plugins are held to it when they load).
TEST(Registry, EveryImplementationCallsItselfByItsRegisteredName) {
  for (const std::string& name : Registry::instance().names()) EXPECT_EQ(Registry::instance().create(name)->info().name, name);
}

// A factory that throws or returns nothing is reported as that implementation's failure, by name.
TEST(Registry, AFailingFactoryIsNamedInTheError) {
  Registry& r = Registry::instance();
  r.add("registry_test_null", [] { return std::unique_ptr<Implementation>(); }, "/x.so sha256:00");
  r.add("registry_test_throws", []() -> std::unique_ptr<Implementation> { throw 42; }, "/x.so sha256:00");
  for (const char* name : {"registry_test_null", "registry_test_throws"}) {
    try {
      r.create(name);
      ADD_FAILURE() << name << " created";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("implementation '") + name + "'"), std::string::npos) << e.what();
    }
    r.remove(name);
  }
}

}  // namespace
}  // namespace lasuite
