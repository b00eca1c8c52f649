#!/bin/sh
# Debian packages the test suite needs beyond Python:
#   chromium            — headless browser test of the graph pages
#   fonts-wqy-microhei  — a CJK font, so Chinese renders in the pages and notebook plots
#   raptor2-utils       — `rapper`, an independent Turtle parser to check graph/*.ttl
#   libreoffice-writer-nogui — `soffice`, which turns .doc/.wps/.rtf/.odt into .docx for the office
#                         reader (tests of the .doc fixture; also makes the PDF fixtures); optional at run time
#   virtuoso-opensource-7-bin — `virtuoso-t` and `isql-vt`, the binaries of Debian's virtuoso-opensource:
#                         tests/test_virtuoso.py starts its own private server (own folder and virtuoso.ini,
#                         loopback ports) and pushes the corpus into it. Only the binaries: the full
#                         `virtuoso-opensource` package would also start a system-wide service on ports
#                         1111/8890 and ask (debconf) for a dba password, which the tests need neither of
# Installs them when missing and we may (root, or password-less sudo); otherwise says
# which tests will be skipped. Under CI those tests fail rather than skip.
set -eu
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v rapper >/dev/null 2>&1 || missing="$missing raptor2-utils"
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$missing fonts-wqy-microhei"
command -v soffice >/dev/null 2>&1 || missing="$missing libreoffice-writer-nogui"
command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource-7-bin"
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then SUDO=""; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
  echo "install_system_deps: missing$missing — install them (apt-get install$missing) or browser/rapper/LibreOffice/Virtuoso tests skip" >&2
  exit 0
fi
echo "install_system_deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
