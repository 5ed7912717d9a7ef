# The files that name installed paths: the systemd unit and the installed configuration.
#
# Their paths depend on the prefix the *install* runs with, which need not be the one the build
# was configured with (`cmake --install build --prefix /tmp/x`, or CPack installing with prefix
# /usr). So this file is used twice: at configure time, to write copies for
# CMAKE_INSTALL_PREFIX into the build tree (to read, and to check with systemd-analyze), and at
# install time from install(CODE), to generate and install them for the actual prefix.
#
# It must work in script mode (install time), so it does not include GNUInstallDirs; the
# function below applies GNUInstallDirs' rules for turning a relative dir into an absolute one.

set(_indicatord_templates "${CMAKE_CURRENT_LIST_DIR}")

# indicatord_full_dir(<out> <prefix> <kind> <dir>): <dir> (CMAKE_INSTALL_<kind>, relative or
# absolute) made absolute for <prefix>, as GNUInstallDirs' CMAKE_INSTALL_FULL_<kind>: with prefix
# / or /usr, SYSCONFDIR is /etc; with /opt/<pkg>, it is /etc/opt/<pkg>; with /, the rest go
# under /usr.
function(indicatord_full_dir out prefix kind dir)
  string(REGEX REPLACE "/+$" "" prefix "${prefix}")
  if(IS_ABSOLUTE "${dir}")
    set(full "${dir}")
  elseif(kind STREQUAL "SYSCONFDIR" AND (prefix STREQUAL "" OR prefix STREQUAL "/usr"))
    set(full "/${dir}")
  elseif(kind STREQUAL "SYSCONFDIR" AND prefix MATCHES "^/opt/")
    set(full "/${dir}${prefix}")
  elseif(prefix STREQUAL "" AND NOT dir MATCHES "^usr/")
    set(full "/usr/${dir}")
  else()
    set(full "${prefix}/${dir}")
  endif()
  set(${out} "${full}" PARENT_SCOPE)
endfunction()

# indicatord_generate_installed_files(PREFIX <p> OUTPUT_DIR <d> SBINDIR .. SYSCONFDIR ..
#   DATADIR .. DOCDIR ..): writes <d>/indicatord.service and <d>/indicatord.yaml for prefix <p>
#   from the templates next to this file. The dirs are the (relative) CMAKE_INSTALL_<dir> values.
function(indicatord_generate_installed_files)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "PREFIX;OUTPUT_DIR;SBINDIR;SYSCONFDIR;DATADIR;DOCDIR" "")
  # The names the templates use, as in a configure-time configure_file.
  foreach(kind SBINDIR SYSCONFDIR DATADIR DOCDIR)
    indicatord_full_dir(CMAKE_INSTALL_FULL_${kind} "${arg_PREFIX}" ${kind} "${arg_${kind}}")
  endforeach()
  configure_file("${_indicatord_templates}/indicatord.service.in" "${arg_OUTPUT_DIR}/indicatord.service" @ONLY)
  configure_file("${_indicatord_templates}/indicatord.yaml.in" "${arg_OUTPUT_DIR}/indicatord.yaml" @ONLY)
endfunction()

# indicatord_install_generated_files(UNITDIR <u> STAGING_DIR <s> SBINDIR .. SYSCONFDIR ..
#   DATADIR .. DOCDIR ..): at install time, generates the files for CMAKE_INSTALL_PREFIX and
#   installs them (honouring DESTDIR): the unit to <u> (relative to the prefix unless absolute),
#   the configuration to SYSCONFDIR/indicatord/. An existing configuration that differs is kept;
#   the new one is installed next to it as indicatord.yaml.dist.
function(indicatord_install_generated_files)
  cmake_parse_arguments(PARSE_ARGV 0 arg "" "UNITDIR;STAGING_DIR;SBINDIR;SYSCONFDIR;DATADIR;DOCDIR" "")
  # One staging dir per destination, so that concurrent installs to different places (the tests
  # do that) do not overwrite each other's generated files.
  string(MD5 key "$ENV{DESTDIR}|${CMAKE_INSTALL_PREFIX}")
  set(staging "${arg_STAGING_DIR}/${key}")
  indicatord_generate_installed_files(PREFIX "${CMAKE_INSTALL_PREFIX}" OUTPUT_DIR "${staging}"
    SBINDIR "${arg_SBINDIR}" SYSCONFDIR "${arg_SYSCONFDIR}" DATADIR "${arg_DATADIR}" DOCDIR "${arg_DOCDIR}")

  if(IS_ABSOLUTE "${arg_UNITDIR}")
    set(unitdir "${arg_UNITDIR}")
  else()
    set(unitdir "${CMAKE_INSTALL_PREFIX}/${arg_UNITDIR}")
  endif()
  file(INSTALL "${staging}/indicatord.service" DESTINATION "${unitdir}")

  indicatord_full_dir(sysconfdir "${CMAKE_INSTALL_PREFIX}" SYSCONFDIR "${arg_SYSCONFDIR}")
  set(config_name indicatord.yaml)
  set(existing "$ENV{DESTDIR}${sysconfdir}/indicatord/indicatord.yaml")
  if(EXISTS "${existing}")
    file(SHA256 "${existing}" old)
    file(SHA256 "${staging}/indicatord.yaml" new)
    if(NOT old STREQUAL new)
      message(STATUS "Keeping the existing ${sysconfdir}/indicatord/indicatord.yaml; "
                     "the new default goes to indicatord.yaml.dist")
      set(config_name indicatord.yaml.dist)
    endif()
  endif()
  file(INSTALL DESTINATION "${sysconfdir}/indicatord" TYPE FILE RENAME ${config_name}
       FILES "${staging}/indicatord.yaml")
  file(REMOVE_RECURSE "${staging}")
endfunction()
