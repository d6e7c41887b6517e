# The package tests (label "package"; alone: ctest -L package): torchlab as a user gets it, not the build tree.
#   package.examples  install into a prefix, configure + build every example against it, run them, check the output
#   package.debs      build the .deb files, check their dependencies and lintian, unpack them into a root, run the
#                     CLI from there and build one example against that root
# Both run tests/package/run.sh; they share the build machine, so they take turns (RESOURCE_LOCK).
set(_pkg_env "OMP_NUM_THREADS=1")
if(TORCHLAB_PRELOAD)  # see the top-level CMakeLists.txt
  list(APPEND _pkg_env "LD_PRELOAD=${TORCHLAB_PRELOAD}")
endif()
foreach(part examples debs)
  add_test(NAME package.${part}
    COMMAND bash ${CMAKE_CURRENT_LIST_DIR}/run.sh ${CMAKE_BINARY_DIR} ${PROJECT_SOURCE_DIR} ${part})
  set_tests_properties(package.${part} PROPERTIES LABELS package TIMEOUT 900 ENVIRONMENT "${_pkg_env}"
    RESOURCE_LOCK torchlab_package SKIP_RETURN_CODE 77)
endforeach()
