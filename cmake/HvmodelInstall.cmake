# Install rules: libraries, public headers, the CMake package (hvmodel::arm64,
# hvmodel::x86) and one pkg-config file per flavour.
#
#   find_package(hvmodel REQUIRED)            # or COMPONENTS arm64 x86
#   target_link_libraries(app PRIVATE hvmodel::arm64)
#
#   cc app.c $(pkg-config --cflags --libs hvmodel-arm64)
#
# The flavour define and the include directories (the headers' root and the
# Darwin compat directory) reach consumers through each target's INTERFACE
# properties, and through Cflags in the .pc files.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(HVMODEL_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/hvmodel)
set(HVMODEL_PKGCONFIG_DIR ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# The .pc files locate the prefix from their own directory (${pcfiledir}), so
# the tree also works when installed with `cmake --install --prefix <dir>`.
# An absolute LIBDIR or INCLUDEDIR is used as it is.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(HVMODEL_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(HVMODEL_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _hvm_up "/_/${HVMODEL_PKGCONFIG_DIR}" "/_")
  string(REGEX REPLACE "/$" "" _hvm_up "${_hvm_up}")
  set(HVMODEL_PC_PREFIX "\${pcfiledir}/${_hvm_up}")
  set(HVMODEL_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(HVMODEL_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(HVMODEL_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()

# hvmodel_install_flavour(<target> <pc-name>)
function(hvmodel_install_flavour target pcname)
  install(TARGETS ${target} EXPORT hvmodelTargets
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
      COMPONENT hvmodel_runtime NAMELINK_COMPONENT hvmodel_dev
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT hvmodel_dev
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT hvmodel_runtime
    INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hvmodel
                         ${CMAKE_INSTALL_INCLUDEDIR}/hvmodel/compat)
  configure_file(${PROJECT_SOURCE_DIR}/cmake/${pcname}.pc.in
                 ${PROJECT_BINARY_DIR}/pkgconfig/${pcname}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${pcname}.pc
          DESTINATION ${HVMODEL_PKGCONFIG_DIR} COMPONENT hvmodel_dev)
endfunction()

hvmodel_install_flavour(hvmodel-arm64 hvmodel-arm64)
if(TARGET hvmodel-x86)
  hvmodel_install_flavour(hvmodel-x86 hvmodel-x86)
endif()

# Headers: include/hv/ becomes <includedir>/hvmodel/ (Hypervisor/*.h,
# hvmodel.h, compat/...).
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/hv/
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/hvmodel
        COMPONENT hvmodel_dev
        FILES_MATCHING PATTERN "*.h")

if(TARGET hvtrace)
  install(TARGETS hvtrace hvtrace-x86 RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
          COMPONENT hvmodel_runtime)
endif()

# CMake package.
install(EXPORT hvmodelTargets
        NAMESPACE hvmodel::
        FILE hvmodelTargets.cmake
        DESTINATION ${HVMODEL_CMAKE_DIR}
        COMPONENT hvmodel_dev)
configure_package_config_file(
  ${PROJECT_SOURCE_DIR}/cmake/hvmodel-config.cmake.in
  ${PROJECT_BINARY_DIR}/hvmodel-config.cmake
  INSTALL_DESTINATION ${HVMODEL_CMAKE_DIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/hvmodel-config-version.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/hvmodel-config.cmake
              ${PROJECT_BINARY_DIR}/hvmodel-config-version.cmake
        DESTINATION ${HVMODEL_CMAKE_DIR}
        COMPONENT hvmodel_dev)
