# Project-wide compile flags: warnings, sanitizers, fault injection.
add_compile_options(-Wall -Wextra $<$<CXX_COMPILER_ID:GNU>:-Wshadow=local> -Wnon-virtual-dtor)
if(EDGEGW_DEBUG_INFO STREQUAL "lines")
  add_compile_options($<$<CONFIG:Debug,RelWithDebInfo>:-g1>)  # after CMake's -g, so it wins
endif()
if(EDGEGW_WERROR)
  add_compile_options(-Werror)
endif()
if(EDGEGW_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
if(EDGEGW_FAULT_INJECTION)
  add_compile_definitions(EDGEGW_FAULT_INJECTION=1)
endif()

# edgegw_module(NAME SOURCES... DEPS ...): one static library per module with its public include dir.
function(edgegw_module name)
  cmake_parse_arguments(M "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  if(NOT M_SOURCES)
    # Headers only (so far).
    add_library(${name} INTERFACE)
    target_include_directories(${name} INTERFACE ${CMAKE_CURRENT_SOURCE_DIR}/include)
    target_link_libraries(${name} INTERFACE ${M_DEPS})
    return()
  endif()
  add_library(${name} STATIC ${M_SOURCES})
  target_include_directories(${name} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${M_DEPS} PRIVATE ${M_PRIVATE_DEPS})
endfunction()

# edgegw_glob(VAR DIR): the .cpp files of a module directory (tests excluded), so a module's
# sources are whatever files it has.
function(edgegw_glob var dir)
  file(GLOB found CONFIGURE_DEPENDS ${dir}/*.cpp)
  list(FILTER found EXCLUDE REGEX "_test\\.cpp$")
  set(${var} ${found} PARENT_SCOPE)
endfunction()

# edgegw_test(NAME SOURCES... DEPS ... [LABELS ...]): one gtest binary registered with ctest.
function(edgegw_test name)
  cmake_parse_arguments(T "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_DEPS} GTest::gtest GTest::gtest_main)
  add_test(NAME ${name} COMMAND ${name})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  set_tests_properties(${name} PROPERTIES LABELS "${T_LABELS}" TIMEOUT ${T_TIMEOUT})
endfunction()
