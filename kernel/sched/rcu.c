/* RCU (contract in <mica/rcu.h>). PLACEHOLDER: quiescent-state hooks only. */
#include <mica/rcu.h>

unsigned long rcu_stall_timeout_ms = 10000;
unsigned long rcu_stall_reports;

void rcu_init(void)
{
}
void rcu_note_context_switch(void)
{
}
void rcu_idle_enter(void)
{
}
void rcu_tick(bool preemptible_context)
{
}
void rcu_process_callbacks(void)
{
}
