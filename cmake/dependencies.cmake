# Every dependency comes from Debian 12 packages; scripts/bootstrap.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(OpenSSL 3 REQUIRED)
pkg_check_modules(LDNS REQUIRED IMPORTED_TARGET ldns)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
find_package(nlohmann_json 3 REQUIRED)
find_package(Threads REQUIRED)
if(NOT RELAYLAB_FUZZ)
  find_package(Boost 1.81 REQUIRED CONFIG)
  if(RELAYLAB_TESTS)
    find_package(Catch2 2 REQUIRED)
  endif()
endif()

# A test binary per library: one Catch2 main per binary, labelled for ctest -L.
if(NOT RELAYLAB_FUZZ AND RELAYLAB_TESTS)
  add_library(relaylab_catch_main STATIC ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
  target_link_libraries(relaylab_catch_main PUBLIC Catch2::Catch2)
endif()

# A test binary per library: Catch2's main comes from relaylab_catch_main unless the binary
# defines its own (CATCH_CONFIG_RUNNER); labelled for ctest -L. Exit 77 is a skip (a suite or
# peer is absent, reason printed; tests/catch_main.hpp), on every test of the project.
set(RELAYLAB_SKIP_RETURN_CODE 77)
function(relaylab_catch_test name label)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE relaylab_catch_main Catch2::Catch2)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${label} TIMEOUT 300
                       SKIP_RETURN_CODE ${RELAYLAB_SKIP_RETURN_CODE})
endfunction()
