module goscope.test/goprog

go 1.19
