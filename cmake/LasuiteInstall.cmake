# `cmake --install build [--prefix P]`: the lasuite executable, the public headers of the interface
# (what a plugin includes: harness/plugin_api.h and what it includes) and a CMake package, so a project
# of its own does
#   find_package(lasuite REQUIRED)
#   lasuite_add_plugin(mine mine.cpp)      # a shared library lasuite --plugin loads
# (examples/cpp_plugin).
include(CMakePackageConfigHelpers)
include(GNUInstallDirs)

install(TARGETS lasuite RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
set(lasuite_public_headers
    harness/backend.h harness/dtype.h harness/errors.h harness/implementation.h harness/memory.h
    harness/plugin_api.h harness/problem.h harness/registry.h harness/tensor.h)
install(FILES ${lasuite_public_headers} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/lasuite/harness)

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/lasuiteConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/lasuiteConfig.cmake
                              INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lasuite
                              PATH_VARS CMAKE_INSTALL_INCLUDEDIR CMAKE_INSTALL_BINDIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/lasuiteConfigVersion.cmake
                                 COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/lasuiteConfig.cmake ${PROJECT_BINARY_DIR}/lasuiteConfigVersion.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/lasuite)
