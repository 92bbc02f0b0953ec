#pragma once
// The check itself is a constructor in cpu_check.c; this symbol only gives the target an API.
int glyffuser_cpu_check_linked(void);
