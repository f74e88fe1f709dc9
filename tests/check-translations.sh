#!/usr/bin/env bash
# Every translatable string of the sources (po/POTFILES) is translated in each catalog:
# the POT is made afresh, merged into a copy of each .po, and msgfmt must report
# 0 untranslated and 0 fuzzy messages.   check-translations.sh SOURCE_ROOT
set -euo pipefail
root=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/bw-po-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$root"

mapfile -t files < <(grep -v '^#' po/POTFILES | sed '/^$/d')
c_files=() ui_files=() other=()
for f in "${files[@]}"; do
  case "$f" in
    *.c) c_files+=("$f") ;;
    *.ui) ui_files+=("$f") ;;
    *) other+=("$f") ;;
  esac
done

K=(--keyword=_ --keyword=N_ --keyword=C_:1c,2 --keyword=NC_:1c,2 --keyword=g_dngettext:2,3 --flag=N_:1:pass-c-format)
xgettext --from-code=UTF-8 --add-comments=Translators "${K[@]}" -o "$work/src.pot" "${c_files[@]}"
pots=("$work/src.pot")
if [ ${#ui_files[@]} -gt 0 ]; then
  xgettext --from-code=UTF-8 -o "$work/ui.pot" "${ui_files[@]}"; pots+=("$work/ui.pot")
fi
for f in "${other[@]}"; do
  case "$f" in
    *.desktop.in) xgettext --from-code=UTF-8 -L Desktop -o "$work/desktop.pot" "$f"; pots+=("$work/desktop.pot") ;;
    *.metainfo.xml.in) cp "$f" "$work/x.metainfo.xml"; xgettext --from-code=UTF-8 -o "$work/meta.pot" "$work/x.metainfo.xml"; pots+=("$work/meta.pot") ;;
    *.gschema.xml) xgettext --from-code=UTF-8 -o "$work/schema.pot" "$f"; pots+=("$work/schema.pot") ;;
  esac
done
msgcat --use-first -o "$work/all.pot" "${pots[@]}"

n=0 failed=0
for lang in $(cat po/LINGUAS); do
  n=$((n+1))
  cp "po/$lang.po" "$work/$lang.po"
  msgmerge --quiet --update --no-fuzzy-matching --backup=none "$work/$lang.po" "$work/all.pot"
  stats=$(msgfmt --check --statistics -o /dev/null "$work/$lang.po" 2>&1 | tail -1)
  untranslated=$(msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep -c '^msgid ' || true)
  if [[ $stats != *untranslated* && $stats != *fuzzy* ]]; then
    echo "ok $n - $lang: $stats"
  else
    failed=1
    echo "not ok $n - $lang: $stats"
    msgattrib --untranslated --no-obsolete "$work/$lang.po" | grep '^msgid ' | head -40 | sed 's/^/# /'
  fi
done
echo "1..$n"
exit $failed
