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

}  // namespace
}  // namespace lasuite
