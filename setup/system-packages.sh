#!/usr/bin/env bash
# Make sure the system programs a make target needs are installed.
#
#   setup/system-packages.sh base   # Python's venv module
#   setup/system-packages.sh book   # + Graphviz, TeX Live (xelatex), dvisvgm, fonts,
#                                   #   npm (fetches the live pages' runtime)
#   setup/system-packages.sh test   # + Poppler (pdftotext) and Chromium
#
# On Debian or Ubuntu it installs what is missing with apt-get (as root, or
# through passwordless sudo); anywhere else, or without the rights, it says
# exactly what to install and stops.
set -euo pipefail

level=${1:-base}
python=${PYTHON:-python3}

want=()
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  want+=("python3-venv")
fi
if [[ $level == book || $level == test ]]; then
  want+=(graphviz texlive-xetex texlive-latex-recommended texlive-latex-extra
         texlive-fonts-recommended latexmk dvisvgm fonts-freefont-otf)
  # npm fetches the live pages' runtime (setup/vendor.py). Any npm will do:
  # one that came with Node.js from elsewhere is not Debian's package.
  command -v npm >/dev/null 2>&1 || want+=(npm)
fi
if [[ $level == test ]]; then
  want+=(poppler-utils chromium)
fi

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${want[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [[ $status == installed ]] || missing+=("$package")
  done
else
  # Not Debian: check for the programs themselves.
  declare -A program=([python3-venv]="" [graphviz]=dot [texlive-xetex]=xelatex
    [latexmk]=latexmk [dvisvgm]=dvisvgm [poppler-utils]=pdftotext [chromium]=chromium
    [npm]=npm)
  for package in "${want[@]}"; do
    cmd=${program[$package]-}
    if [[ $package == python3-venv ]] || { [[ -n $cmd ]] && ! command -v "$cmd" >/dev/null 2>&1; }; then
      missing+=("$package")
    fi
  done
fi

[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "system-packages: this step needs: ${missing[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "system-packages: no apt-get here. Install the equivalent of these Debian" >&2
  echo "packages with your system's package manager, then run make again:" >&2
  echo "    ${missing[*]}" >&2
  exit 1
fi
if [[ $(id -u) -eq 0 ]]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo)
else
  echo "system-packages: installing them needs root. Run this once, then make again:" >&2
  echo "    sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "system-packages: installing them with apt-get (TeX Live takes a few minutes)..."
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
