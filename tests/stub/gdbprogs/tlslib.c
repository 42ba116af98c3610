/* tlslib.c - a shared object with thread-local variables, for tlsprog.c (also built with dl_ names). */
__thread int lib_tls = 77;
__thread char lib_buf[16] = "lib";

int lib_get(void)
{
	return lib_tls;
}
