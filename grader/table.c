#include "table.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *table_path;

static _Noreturn void bad(const char *where, const char *what)
{
    fatal("%s: %s: %s", table_path, where, what);
}

static const char *get_string(json_t *obj, const char *key, const char *where, int required)
{
    json_t *v = json_object_get(obj, key);
    if (!v && !required)
        return NULL;
    if (!json_is_string(v))
        bad(where, required ? xasprintf("'%s' must be a string", key)
                            : xasprintf("'%s' must be a string when given", key));
    return json_string_value(v);
}

static const char **get_strings(json_t *obj, const char *key, const char *where)
{
    json_t *arr = json_object_get(obj, key);
    if (arr && !json_is_array(arr))
        bad(where, xasprintf("'%s' must be a list of strings", key));
    size_t n = arr ? json_array_size(arr) : 0;
    const char **out = xcalloc(n + 1, sizeof *out);
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(arr, i);
        if (!json_is_string(s))
            bad(where, xasprintf("'%s' must be a list of strings", key));
        out[i] = json_string_value(s);
    }
    return out;
}

static void get_limits(json_t *obj, struct limits *l, const char *where)
{
    json_t *lim = json_object_get(obj, "limits");
    if (!lim)
        return;
    if (!json_is_object(lim))
        bad(where, "'limits' must be an object");
    const char *key;
    json_t *v;
    json_object_foreach(lim, key, v) {
        if (!json_is_number(v) || json_number_value(v) < 0)
            bad(where, xasprintf("limit '%s' must be a number >= 0", key));
        double x = json_number_value(v);
        if (strcmp(key, "wall_s") == 0)
            l->wall_s = x;
        else if (strcmp(key, "cpu_s") == 0)
            l->cpu_s = x;
        else if (strcmp(key, "mem_mb") == 0)
            l->mem_mb = (long)x;
        else if (strcmp(key, "procs") == 0)
            l->procs = (long)x;
        else if (strcmp(key, "output_kb") == 0)
            l->output_kb = (long)x;
        else if (strcmp(key, "file_mb") == 0)
            l->file_mb = (long)x;
        else
            bad(where, xasprintf("unknown limit '%s'", key));
    }
}

static void load_test(struct chapter *c, struct test *t, json_t *obj, const char *where)
{
    if (!json_is_object(obj))
        bad(where, "a test must be an object");
    t->id = get_string(obj, "id", where, 1);
    t->name = get_string(obj, "name", where, 1);
    t->kind = get_string(obj, "kind", where, 1);
    t->hint = get_string(obj, "hint", where, 0);
    json_t *points = json_object_get(obj, "points");
    if (!json_is_integer(points) || json_integer_value(points) < 0 ||
        json_integer_value(points) > 1000)
        bad(where, "'points' must be a whole number 0..1000");
    t->points = (int)json_integer_value(points);
    t->requires = get_strings(obj, "requires", where);
    t->limits = c->limits;
    get_limits(obj, &t->limits, where);
    t->params = obj;
}

static void load_chapter(struct chapter *c, json_t *obj, const struct limits *defaults,
                         const char *where)
{
    if (!json_is_object(obj))
        bad(where, "a chapter must be an object");
    json_t *num = json_object_get(obj, "number");
    if (!json_is_integer(num) || json_integer_value(num) < 1 || json_integer_value(num) > 99)
        bad(where, "'number' must be a whole number 1..99");
    c->number = (int)json_integer_value(num);
    c->slug = get_string(obj, "slug", where, 1);
    c->program = get_string(obj, "program", where, 1);
    c->title = get_string(obj, "title", where, 1);
    c->idea = get_string(obj, "idea", where, 1);
    c->link_flags = get_string(obj, "link", where, 0);
    c->hints = get_strings(obj, "hints", where);
    c->dir = xasprintf("%02d-%s", c->number, c->slug);
    for (const char *p = c->slug; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            bad(where, "'slug' may hold only a-z, 0-9 and '-'");
    for (const char *p = c->program; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
            bad(where, "'program' may hold only a-z, 0-9 and '_'");
    c->limits = *defaults;
    get_limits(obj, &c->limits, where);
    json_t *tests = json_object_get(obj, "tests");
    if (!json_is_array(tests) || json_array_size(tests) == 0)
        bad(where, "'tests' must be a non-empty list");
    c->test_count = json_array_size(tests);
    c->tests = xcalloc(c->test_count, sizeof *c->tests);
    for (size_t i = 0; i < c->test_count; i++) {
        char *w = xasprintf("%s: test %zu", where, i + 1);
        load_test(c, &c->tests[i], json_array_get(tests, i), w);
        c->max_points += c->tests[i].points;
        for (size_t j = 0; j < i; j++)
            if (strcmp(c->tests[j].id, c->tests[i].id) == 0)
                bad(w, xasprintf("duplicate test id '%s'", c->tests[i].id));
        for (const char **r = c->tests[i].requires; *r; r++) {
            size_t j = 0;
            while (j < i && strcmp(c->tests[j].id, *r) != 0)
                j++;
            if (j == i)
                bad(w, xasprintf("requires '%s', which is not an earlier test", *r));
        }
        free(w);
    }
}

struct table *table_load(const char *path)
{
    table_path = path;
    json_error_t error;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &error);
    if (!root)
        fatal("%s:%d: %s", path, error.line, error.text);
    struct table *t = xcalloc(1, sizeof *t);
    t->root = root;
    struct limits defaults = {.wall_s = 10, .cpu_s = 20, .mem_mb = 1024, .procs = 128,
                              .output_kb = 1024, .file_mb = 16};
    get_limits(root, &defaults, "top level");
    json_t *chapters = json_object_get(root, "chapters");
    if (!json_is_array(chapters))
        bad("top level", "'chapters' must be a list");
    t->count = json_array_size(chapters);
    t->chapters = xcalloc(t->count, sizeof *t->chapters);
    for (size_t i = 0; i < t->count; i++) {
        char *where = xasprintf("chapter %zu", i + 1);
        load_chapter(&t->chapters[i], json_array_get(chapters, i), &defaults, where);
        if (i > 0 && t->chapters[i].number <= t->chapters[i - 1].number)
            bad(where, "chapters must be listed in increasing number order");
        free(where);
    }
    return t;
}

void table_free(struct table *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->count; i++) {
        struct chapter *c = &t->chapters[i];
        for (size_t j = 0; j < c->test_count; j++)
            free(c->tests[j].requires);
        free(c->tests);
        free(c->hints);
        free((char *)c->dir);
    }
    free(t->chapters);
    json_decref(t->root);
    free(t);
}

const struct chapter *table_find(const struct table *t, const char *name)
{
    char *end;
    long n = strtol(name, &end, 10);
    for (size_t i = 0; i < t->count; i++) {
        const struct chapter *c = &t->chapters[i];
        if ((end != name && *end == '\0' && n == c->number) || strcmp(name, c->slug) == 0 ||
            strcmp(name, c->dir) == 0)
            return c;
    }
    return NULL;
}

const struct test *chapter_test(const struct chapter *c, const char *id)
{
    for (size_t i = 0; i < c->test_count; i++)
        if (strcmp(c->tests[i].id, id) == 0)
            return &c->tests[i];
    return NULL;
}
