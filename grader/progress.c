/* progress.c - the student's progress file, .pcw-progress.json at the workbook's root: per
 * chapter the last score, whether it passed (and with every pass), hints shown, skipped, and
 * a hash of the file that was graded. Never committed. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "build.h"
#include "progress.h"

static json_t *progress;      /* {"chapters": {"01-threads-hello": {...}}} */
static char *progress_path;

void progress_load(const char *root)
{
    progress_path = xasprintf("%s/.pcw-progress.json", root);
    json_error_t e;
    progress = json_load_file(progress_path, 0, &e);
    if (!progress && access(progress_path, F_OK) == 0)
        fprintf(stderr, "workbook: %s is unreadable (%s); starting a new one\n",
                progress_path, e.text);
    if (!json_is_object(progress)) {
        json_decref(progress);
        progress = json_object();
    }
    if (!json_is_object(json_object_get(progress, "chapters")))
        json_object_set_new(progress, "chapters", json_object());
}

void progress_save(void)
{
    json_object_set_new(progress, "about",
                        json_string("pcw workbook progress, kept by grader/workbook; not committed"));
    char *tmp = xasprintf("%s.tmp.%d", progress_path, (int)getpid());
    if (json_dump_file(progress, tmp, JSON_INDENT(2) | JSON_SORT_KEYS) != 0 ||
        rename(tmp, progress_path) != 0) {
        fprintf(stderr, "workbook: writing %s: %s\n", progress_path, strerror(errno));
        unlink(tmp);
    }
    free(tmp);
}

/* The chapter's entry; created (empty) when asked to. */
json_t *progress_entry(const struct chapter *c, bool create)
{
    json_t *all = json_object_get(progress, "chapters");
    json_t *e = json_object_get(all, c->dir);
    if (!json_is_object(e) && create) {
        e = json_object();
        json_object_set_new(all, c->dir, e);
    }
    return json_is_object(e) ? e : NULL;
}

bool progress_flag(json_t *e, const char *key)
{
    return json_is_true(json_object_get(e, key));
}

long long progress_number(json_t *e, const char *key)
{
    json_t *v = json_object_get(e, key);
    return json_is_integer(v) ? json_integer_value(v) : 0;
}

char *source_path(const struct chapter *c)
{
    return xasprintf("chapters/%s/%s.c", c->dir, c->program);
}

/* FNV-1a of the student's file: a chapter that passed is not graded again until it changes. */
char *source_hash(const struct chapter *c)
{
    char *path = source_path(c);
    struct buf text = {0};
    bool ok = read_file(path, &text, SOURCE_MAX_BYTES + 1);
    free(path);
    unsigned long long h = 1469598103934665603ULL;
    for (size_t i = 0; ok && i < text.len; i++)
        h = (h ^ (unsigned char)text.data[i]) * 1099511628211ULL;
    buf_free(&text);
    return ok ? xasprintf("%016llx", h) : xstrdup("missing");
}

enum state state_of(const struct chapter *c)
{
    json_t *e = progress_entry(c, false);
    if (progress_flag(e, "passed"))
        return DONE;
    if (progress_flag(e, "skipped"))
        return SKIPPED;
    if (json_object_get(e, "graded_at") || progress_number(e, "hints_shown") > 0)
        return IN_PROGRESS;
    return NOT_STARTED;
}

void progress_record(const struct chapter *c, const struct chapter_result *cr, bool fast,
                   const char *hash)
{
    json_t *e = progress_entry(c, true);
    char when[32];
    time_t now = time(NULL);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
    json_object_set_new(e, "score", json_real(cr->score));
    json_object_set_new(e, "max", json_integer(cr->max_score));
    json_object_set_new(e, "passed", json_boolean(chapter_passed(cr)));
    json_object_set_new(e, "full", json_boolean(!fast));
    json_object_set_new(e, "graded_at", json_string(when));
    json_object_set_new(e, "source_hash", json_string(hash));
    progress_save();
}

void progress_free(void)
{
    json_decref(progress);
    free(progress_path);
    progress = NULL;
    progress_path = NULL;
}
