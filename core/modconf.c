/* modconf.c -- module settings (see modconf.h).  The list changes only while modules load or
 * unload (at start, or with every other worker parked); values change under a mutex, so CONFIG
 * SET on one thread and keel_config_get or CONFIG GET on another never race. */
#include "config.h"
#include "modconf.h"
#include "loader.h"
#include "mem.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define MODCONF_NAME_MAX 48
#define MODCONF_VALUE_MAX 1024

typedef struct modconf {
    const keel_module *module;
    char full[64 + 1 + MODCONF_NAME_MAX + 1]; /* "module.name" */
    const char *short_name;                   /* into full, after the dot */
    keel_status (*check)(const char *value, const char **err);
    char *value; /* under lock */
} modconf;

typedef struct given {
    char *name, *value;
    bool taken;
} given;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static modconf *confs;
static size_t nconfs;
static given *givens;
static size_t ngivens;

static char *dup_str(const char *s) {
    return mem_strndup(s, strlen(s));
}

void modconf_give(const char *full_name, const char *value) {
    for (size_t i = 0; i < ngivens; i++)
        if (!strcmp(givens[i].name, full_name)) {
            mem_free(givens[i].value);
            givens[i].value = dup_str(value);
            return;
        }
    givens = mem_realloc(givens, sizeof *givens * (ngivens + 1));
    givens[ngivens++] = (given){dup_str(full_name), dup_str(value), false};
}

void modconf_clear_given(void) {
    for (size_t i = 0; i < ngivens; i++) {
        mem_free(givens[i].name);
        mem_free(givens[i].value);
    }
    mem_free(givens);
    givens = NULL;
    ngivens = 0;
}

const char *modconf_given_unused(void) {
    for (size_t i = 0; i < ngivens; i++)
        if (!givens[i].taken) return givens[i].name;
    return NULL;
}

static bool name_ok(const char *s) {
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || n > MODCONF_NAME_MAX) return false;
    for (; *s; s++)
        if (!islower((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_' && *s != '-')
            return false;
    return true;
}

static const char *check_value(keel_status (*check)(const char *, const char **),
                               const char *value) {
    if (strlen(value) > MODCONF_VALUE_MAX) return "the value is longer than 1024 bytes";
    const char *why = "the module refuses the value";
    if (check && check(value, &why) != KEEL_OK) return why ? why : "the module refuses the value";
    return NULL;
}

keel_status keel_register_config(keel_module *m, const keel_config_def *def, const char **err) {
    const char *dummy;
    if (!err) err = &dummy;
    if (!m || !m->in_init) {
        *err = "registration is only allowed inside the module's init";
        return KEEL_ESTATE;
    }
    if (!def || def->size < offsetof(keel_config_def, check) + sizeof def->check) {
        *err = "keel_config_def.size is too small";
        return KEEL_EABI;
    }
    if (!name_ok(def->name)) {
        *err = "a setting's name is 1 to 48 bytes of [a-z0-9_-]";
        return KEEL_EINVAL;
    }
    char full[sizeof confs->full];
    snprintf(full, sizeof full, "%s.%s", m->name, def->name);
    if (modconf_exists(full)) {
        *err = "a setting of that name is already registered";
        return KEEL_EEXIST;
    }
    const char *value = def->default_value ? def->default_value : "";
    given *g = NULL;
    for (size_t i = 0; i < ngivens && !g; i++)
        if (!strcmp(givens[i].name, full)) g = &givens[i];
    if (g) value = g->value;
    const char *bad = check_value(def->check, value);
    if (bad) { /* the check's own words, for the log line the loader writes at once */
        static _Thread_local char why[320];
        snprintf(why, sizeof why, "%s: %s",
                 g ? "the value given at load is refused by the setting's check"
                   : "the default value is refused",
                 bad);
        *err = why;
        return KEEL_EINVAL;
    }
    if (g) g->taken = true;
    pthread_mutex_lock(&lock);
    confs = mem_realloc(confs, sizeof *confs * (nconfs + 1));
    modconf *c = &confs[nconfs++];
    c->module = m;
    memcpy(c->full, full, sizeof full);
    c->short_name = c->full + strlen(m->name) + 1;
    c->check = def->check;
    c->value = dup_str(value);
    pthread_mutex_unlock(&lock);
    return KEEL_OK;
}

long keel_config_get(keel_module *m, const char *name, char *buf, size_t cap) {
    long len = -1;
    pthread_mutex_lock(&lock);
    for (size_t i = 0; i < nconfs && len < 0; i++) {
        if (confs[i].module != m || strcmp(confs[i].short_name, name) != 0) continue;
        len = (long)strlen(confs[i].value);
        if (cap) snprintf(buf, cap, "%s", confs[i].value);
    }
    pthread_mutex_unlock(&lock);
    return len;
}

void modconf_forget(const keel_module *m) {
    pthread_mutex_lock(&lock);
    size_t w = 0;
    for (size_t i = 0; i < nconfs; i++) {
        if (confs[i].module == m) {
            mem_free(confs[i].value);
            continue;
        }
        confs[w] = confs[i];
        confs[w].short_name = confs[w].full + (confs[i].short_name - confs[i].full);
        w++;
    }
    nconfs = w;
    pthread_mutex_unlock(&lock);
}

size_t modconf_count(void) {
    return nconfs;
}
const char *modconf_name(size_t i) {
    return confs[i].full;
}

void modconf_value(size_t i, char *buf, size_t cap) {
    pthread_mutex_lock(&lock);
    snprintf(buf, cap, "%s", confs[i].value);
    pthread_mutex_unlock(&lock);
}

bool modconf_exists(const char *full_name) {
    for (size_t i = 0; i < nconfs; i++)
        if (!strcasecmp(confs[i].full, full_name)) return true;
    return false;
}

const char *modconf_set(const char *full_name, const char *value) {
    for (size_t i = 0; i < nconfs; i++) {
        if (strcasecmp(confs[i].full, full_name) != 0) continue;
        const char *bad = check_value(confs[i].check, value);
        if (bad) return bad;
        char *copy = dup_str(value);
        pthread_mutex_lock(&lock);
        char *old = confs[i].value;
        confs[i].value = copy;
        pthread_mutex_unlock(&lock);
        mem_free(old);
        return NULL;
    }
    return "no such module setting";
}

void modconf_free(void) {
    for (size_t i = 0; i < nconfs; i++)
        mem_free(confs[i].value);
    mem_free(confs);
    confs = NULL;
    nconfs = 0;
    modconf_clear_given();
}
