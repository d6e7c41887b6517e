# `cmake --install build --prefix P`: the public headers, the static area libraries, the CLI and the CMake package, so
# that an outside project writes find_package(torchlab 0.2 REQUIRED) and links torchlab::torchlab.
#
#   P/bin/torchlab                                   the CLI (component cli)
#   P/include/torchlab/<area>/*.h                    public headers, version.h generated (component dev)
#   P/lib/libtorchlab_<area>.a                       one static library per area
#   P/lib/cmake/torchlab/torchlab{Config,ConfigVersion,Targets*}.cmake
#
# Everything here loops over TORCHLAB_LIBS / TORCHLAB_AREAS, so a new area is installed without touching this file.
include(CMakePackageConfigHelpers)
# `install` (and cpack) must not build the tests and benchmarks first: `make package` builds the CLI, which links
# every installed library, and `cmake --install` expects a finished build anyway.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)
set(TORCHLAB_CMAKE_INSTALL_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/torchlab)

# Headers: src/torchlab/<area>/*.h of every area (header-only ones too). Nothing from apps/ (CLI11) or tests/.
foreach(area ${TORCHLAB_AREAS})
  if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/src/torchlab/${area})
    install(DIRECTORY ${PROJECT_SOURCE_DIR}/src/torchlab/${area}/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/torchlab/${area}
      COMPONENT dev FILES_MATCHING PATTERN "*.h")
  endif()
endforeach()
install(FILES ${CMAKE_BINARY_DIR}/generated/torchlab/core/version.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/torchlab/core COMPONENT dev)

# Libraries: torchlab_<area> is exported as torchlab::<area>, the INTERFACE target torchlab (all areas) as
# torchlab::torchlab. Static archives keep link order to CMake: each exported area names the areas it uses.
foreach(lib ${TORCHLAB_LIBS})
  string(REGEX REPLACE "^torchlab_" "" area ${lib})
  set_target_properties(${lib} PROPERTIES EXPORT_NAME ${area})
endforeach()
install(TARGETS ${TORCHLAB_LIBS} torchlab EXPORT torchlabTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT dev)
# A libtorch outside the system's directories (pip's) stays on the installed CLI's RPATH; Debian's needs none.
set_target_properties(torchlab_cli PROPERTIES INSTALL_RPATH_USE_LINK_PATH ON)
install(TARGETS torchlab_cli RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT cli)
install(EXPORT torchlabTargets NAMESPACE torchlab:: DESTINATION ${TORCHLAB_CMAKE_INSTALL_DIR} COMPONENT dev)

# What the exported link interfaces name decides what torchlabConfig.cmake must find again (and what the Debian dev
# package depends on): scanning them picks up a dependency another area adds (OpenCV, ...) without an edit here.
set(_links "")
foreach(lib ${TORCHLAB_LIBS})
  get_target_property(_l ${lib} INTERFACE_LINK_LIBRARIES)
  if(_l)
    string(APPEND _links ";${_l}")
  endif()
endforeach()
macro(torchlab_uses var regex)
  if(_links MATCHES "${regex}")
    set(${var} ON)
  else()
    set(${var} OFF)
  endif()
endmacro()
torchlab_uses(TORCHLAB_USES_PNG "PNG::PNG")
torchlab_uses(TORCHLAB_USES_OPENMP "OpenMP::")
torchlab_uses(TORCHLAB_USES_OPENCV "opencv_")
set(TORCHLAB_OPENCV_COMPONENTS "")
if(TORCHLAB_USES_OPENCV)
  string(REGEX MATCHALL "opencv_[a-z0-9_]+" _cv "${_links}")
  list(REMOVE_DUPLICATES _cv)
  string(REPLACE "opencv_" "" TORCHLAB_OPENCV_COMPONENTS "${_cv}")
endif()

configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/torchlabConfig.cmake.in
  ${CMAKE_BINARY_DIR}/cmake/torchlabConfig.cmake INSTALL_DESTINATION ${TORCHLAB_CMAKE_INSTALL_DIR})
# 0.x: a minor version may break the API, so 0.2 accepts 0.2.* only.
write_basic_package_version_file(${CMAKE_BINARY_DIR}/cmake/torchlabConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/cmake/torchlabConfig.cmake ${CMAKE_BINARY_DIR}/cmake/torchlabConfigVersion.cmake
  DESTINATION ${TORCHLAB_CMAKE_INSTALL_DIR} COMPONENT dev)
