# `make package` (CPack DEB): two Debian packages from the install components of cmake/install.cmake.
#   torchlab         the CLI (component cli); its library dependencies come from dpkg-shlibdeps
#   libtorchlab-dev  headers, static libraries and the CMake package (component dev)
# Both depend on libopenblas0-openmp: libtorch calls BLAS through libblas.so.3, and where only the reference BLAS
# provides it, GEMM runs about 24x slower without a word.
set(TORCHLAB_MAINTAINER "torchlab dev <dev@torchlab.org>" CACHE STRING "Maintainer field of the Debian packages")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME torchlab)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "${TORCHLAB_MAINTAINER}")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_STRIP_FILES ON)  # the CLI; static archives are not stripped by install(TARGETS)
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE
  WORLD_READ WORLD_EXECUTE)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL cli dev)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)

set(CPACK_DEBIAN_CLI_PACKAGE_NAME torchlab)
set(CPACK_DEBIAN_CLI_PACKAGE_SECTION science)
set(CPACK_DEBIAN_CLI_DESCRIPTION "machine learning in C++ on libtorch (command-line program)
 torchlab trains and samples a character-level LSTM, prices options and computes
 their Greeks by automatic differentiation, learns tic-tac-toe and CartPole by
 deep Q-learning, classifies Fashion-MNIST and trains across processes.")
set(CPACK_DEBIAN_DEV_PACKAGE_NAME libtorchlab-dev)
set(CPACK_DEBIAN_DEV_PACKAGE_SECTION libdevel)
set(CPACK_DEBIAN_DEV_DESCRIPTION "machine learning in C++ on libtorch (development files)
 The torchlab library: headers, static libraries and the CMake package, so that
 a program writes find_package(torchlab) and links torchlab::torchlab.")

# The CLI: what it links, as dpkg-shlibdeps reads it from the binary (libtorch1.13, libpng16-16, ...).
find_program(TORCHLAB_DPKG_SHLIBDEPS dpkg-shlibdeps)
set(_cli_depends "libopenblas0-openmp")
if(TORCHLAB_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_CLI_PACKAGE_SHLIBDEPS ON)
else()
  string(PREPEND _cli_depends "libtorch-dev, ")  # without dpkg-dev: the libraries by way of their -dev package
endif()
set(CPACK_DEBIAN_CLI_PACKAGE_DEPENDS "${_cli_depends}")

# The dev package: what torchlabConfig.cmake finds again and what the public headers include.
set(_dev_depends libtorch-dev nlohmann-json3-dev zlib1g-dev libopenblas0-openmp)
if(TORCHLAB_USES_PNG)
  list(APPEND _dev_depends libpng-dev)
endif()
if(TORCHLAB_USES_OPENCV)
  list(APPEND _dev_depends libopencv-dev)
endif()
if(TORCHLAB_USES_OPENMP)
  list(APPEND _dev_depends libgomp1)
endif()
if(USE_C10D_GLOO)
  list(APPEND _dev_depends libgloo-dev)  # dist/c10d_compat.h includes ProcessGroupGloo.hpp, which includes gloo
endif()
list(JOIN _dev_depends ", " CPACK_DEBIAN_DEV_PACKAGE_DEPENDS)

# Debian policy: each package ships /usr/share/doc/<package>/copyright and a compressed changelog.
foreach(comp cli dev)
  string(TOUPPER ${comp} _up)
  set(_pkg ${CPACK_DEBIAN_${_up}_PACKAGE_NAME})
  set(_doc ${CMAKE_BINARY_DIR}/debian/${_pkg})
  file(MAKE_DIRECTORY ${_doc})
  string(TIMESTAMP _date "%a, %d %b %Y %H:%M:%S +0000" UTC)
  file(WRITE ${_doc}/changelog.Debian "${_pkg} (${PROJECT_VERSION}) unstable; urgency=medium\n\n"
    "  * Release ${PROJECT_VERSION}: the installed CMake package, examples, Debian packages.\n\n"
    " -- ${TORCHLAB_MAINTAINER}  ${_date}\n")
  execute_process(COMMAND gzip -9nf ${_doc}/changelog.Debian)
  install(FILES ${PROJECT_SOURCE_DIR}/cmake/debian/copyright ${_doc}/changelog.Debian.gz
    DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/${_pkg} COMPONENT ${comp})
endforeach()

include(CPack)
