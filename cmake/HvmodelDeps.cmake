# Dependencies come from Debian's packages (scripts/setup.sh installs them).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

set(HVMODEL_MIN_UNICORN 2.1.4)
pkg_check_modules(UNICORN QUIET IMPORTED_TARGET unicorn)
if(NOT UNICORN_FOUND)
  message(FATAL_ERROR
    "hvmodel needs Unicorn >= ${HVMODEL_MIN_UNICORN} (pkg-config 'unicorn' not found).\n"
    "Run scripts/setup.sh, which installs libunicorn-dev from Debian's newer suite.")
endif()
if(UNICORN_VERSION VERSION_LESS HVMODEL_MIN_UNICORN)
  message(FATAL_ERROR
    "hvmodel needs Unicorn >= ${HVMODEL_MIN_UNICORN}, found ${UNICORN_VERSION}.\n"
    "Unicorn 2.0.x leaks host time into the guest and reports stale PCs at exits, "
    "so the model cannot be deterministic on it. Run scripts/setup.sh, which pins "
    "libunicorn-dev/libunicorn2t64 from Debian's newer suite at low priority.")
endif()

pkg_check_modules(CAPSTONE QUIET IMPORTED_TARGET capstone)
if(NOT CAPSTONE_FOUND OR CAPSTONE_VERSION VERSION_LESS 5.0)
  message(FATAL_ERROR
    "hvmodel needs Capstone >= 5.0 (found '${CAPSTONE_VERSION}'). Run scripts/setup.sh.")
endif()

if(HVMODEL_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
endif()
