-- Procedures that the indicators look for, from every place the PEC records them: performed
-- (tb_fat_proced_atend_proced), requested or evaluated in an individual encounter
-- (tb_fat_atd_ind_procedimentos), blood pressure measured in a home visit
-- (nu_medicao_pressao_arterial), and weight + height measured together in an encounter or visit
-- (the last two for Previne Brasil; the quality component reads int_medicoes_registradas).
-- A code belongs to every list (macros/indicadores/codigos.sql) that names it or, for an AB
-- code, its SIGTAP equivalent (co_seq_dim_proced_ref_ab, AMB-G7). Any procedure performed by a
-- cirurgião-dentista or técnico em saúde bucal is also `saude_bucal` (C3 K). One row per
-- source row, mode (realizado, solicitado, avaliado) and procedure.
{%- set procedimentos = [
    'afericao_pa', 'hemoglobina_glicada', 'citopatologico', 'teste_hiv', 'teste_sifilis',
    'antropometria', 'peso', 'altura', 'crescimento_puericultura', 'exame_pe_diabetico',
    'rastreamento_colo', 'hpv_molecular', 'mamografia', 'gestacao_hiv', 'gestacao_sifilis',
    'gestacao_hepatite_b', 'gestacao_hepatite_c'
] %}

with

procedimentos_realizados as (

    select * from {{ ref('stg_pec__fat_proced_atend_proced') }}
    where {{ escopo_municipio() }}

),

procedimentos_atendimento as (

    select * from {{ ref('stg_pec__fat_atd_ind_procedimentos') }}
    where {{ escopo_municipio() }}

),

atendimentos as (

    select * from {{ ref('stg_pec__fat_atendimento_individual') }}
    where {{ escopo_municipio() }}

),

visitas as (

    select * from {{ ref('stg_pec__fat_visita_domiciliar') }}
    where {{ escopo_municipio() }}

),

cidadaos_unificados as (

    select * from {{ ref('int_cidadaos_unificados') }}
    where {{ escopo_municipio() }}

),

dim_procedimentos as (

    select * from {{ ref('stg_pec__dim_procedimento') }}
    where {{ escopo_municipio() }}

),

cbos as (

    select * from {{ ref('stg_pec__dim_cbo') }}
    where {{ escopo_municipio() }}

),

registros as (

    select
        co_municipio_ibge,
        'procedimento' as origem,
        'realizado' as modo,
        co_seq_fat_proced_atend_proced as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento as dt_procedimento,
        co_dim_procedimento,
        co_dim_cbo,
        loaded_at
    from procedimentos_realizados

    union all

    select
        co_municipio_ibge,
        'atendimento_individual' as origem,
        'solicitado' as modo,
        co_seq_fat_atend_ind_proced as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento as dt_procedimento,
        co_dim_procedimento_solicitado as co_dim_procedimento,
        co_dim_cbo_1 as co_dim_cbo,
        loaded_at
    from procedimentos_atendimento
    where co_dim_procedimento_solicitado is not null

    union all

    select
        co_municipio_ibge,
        'atendimento_individual' as origem,
        'avaliado' as modo,
        co_seq_fat_atend_ind_proced as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento as dt_procedimento,
        co_dim_procedimento_avaliado as co_dim_procedimento,
        co_dim_cbo_1 as co_dim_cbo,
        loaded_at
    from procedimentos_atendimento
    where co_dim_procedimento_avaliado is not null

),

listas as (

    select * from (
        values
        {%- for procedimento in procedimentos %}
            {%- set ultimo = loop.last %}
            {%- for codigo in codigos(procedimento)['proced'] %}
                ('{{ procedimento }}', '{{ codigo }}'){% if not (ultimo and loop.last) %},
                {% endif %}
            {%- endfor %}
        {%- endfor %}
    ) as listas (procedimento, co_proced)

),

codigos_registrados as (

    select
        registros.*,
        dim_procedimentos.co_proced,
        equivalentes.co_proced as co_proced_equivalente
    from registros
    inner join dim_procedimentos
        on
            registros.co_municipio_ibge = dim_procedimentos.co_municipio_ibge
            and registros.co_dim_procedimento = dim_procedimentos.co_seq_dim_procedimento
    left join dim_procedimentos as equivalentes
        on
            dim_procedimentos.co_municipio_ibge = equivalentes.co_municipio_ibge
            and dim_procedimentos.co_seq_dim_proced_ref_ab = equivalentes.co_seq_dim_procedimento

),

registros_classificados as (

    select distinct
        codigos_registrados.co_municipio_ibge,
        codigos_registrados.origem,
        codigos_registrados.modo,
        codigos_registrados.co_seq_origem,
        codigos_registrados.co_fat_cidadao_pec,
        codigos_registrados.dt_procedimento,
        codigos_registrados.co_dim_procedimento,
        codigos_registrados.co_dim_cbo,
        codigos_registrados.loaded_at,
        codigos_registrados.co_proced,
        listas.procedimento
    from codigos_registrados
    inner join listas
        on listas.co_proced in (
            codigos_registrados.co_proced, codigos_registrados.co_proced_equivalente
        )

),

saude_bucal as (

    select
        procedimentos_realizados.co_municipio_ibge,
        'procedimento' as origem,
        'realizado' as modo,
        procedimentos_realizados.co_seq_fat_proced_atend_proced as co_seq_origem,
        procedimentos_realizados.co_fat_cidadao_pec,
        procedimentos_realizados.dt_atendimento as dt_procedimento,
        procedimentos_realizados.co_dim_cbo,
        null::text as co_proced,
        'saude_bucal' as procedimento,
        procedimentos_realizados.loaded_at
    from procedimentos_realizados
    inner join cbos
        on
            procedimentos_realizados.co_municipio_ibge = cbos.co_municipio_ibge
            and procedimentos_realizados.co_dim_cbo = cbos.co_seq_dim_cbo
    where {{ tem_cbo('saude_bucal', 'cbos.nu_cbo') }}

),

medicoes as (

    select
        co_municipio_ibge,
        'visita_domiciliar' as origem,
        'realizado' as modo,
        co_seq_fat_visita_domiciliar as co_seq_origem,
        co_fat_cidadao_pec,
        dt_visita as dt_procedimento,
        co_dim_cbo,
        null::text as co_proced,
        'afericao_pa' as procedimento,
        loaded_at
    from visitas
    where nu_medicao_pressao_arterial ~ '^\s*[0-9]{2,3}\s*[/xX]\s*[0-9]{2,3}\s*$'

    union all

    select
        co_municipio_ibge,
        'visita_domiciliar' as origem,
        'realizado' as modo,
        co_seq_fat_visita_domiciliar as co_seq_origem,
        co_fat_cidadao_pec,
        dt_visita as dt_procedimento,
        co_dim_cbo,
        null::text as co_proced,
        'peso_altura' as procedimento,
        loaded_at
    from visitas
    where nu_peso > 0 and nu_altura > 0

    union all

    select
        co_municipio_ibge,
        'atendimento_individual' as origem,
        'realizado' as modo,
        co_seq_fat_atd_ind as co_seq_origem,
        co_fat_cidadao_pec,
        dt_atendimento as dt_procedimento,
        co_dim_cbo_1 as co_dim_cbo,
        null::text as co_proced,
        'peso_altura' as procedimento,
        loaded_at
    from atendimentos
    where nu_peso > 0 and nu_altura > 0

),

todos as (

    select
        co_municipio_ibge,
        origem,
        modo,
        co_seq_origem,
        co_fat_cidadao_pec,
        dt_procedimento,
        co_dim_cbo,
        co_proced,
        procedimento,
        loaded_at
    from registros_classificados

    union all

    select
        co_municipio_ibge,
        origem,
        modo,
        co_seq_origem,
        co_fat_cidadao_pec,
        dt_procedimento,
        co_dim_cbo,
        co_proced,
        procedimento,
        loaded_at
    from saude_bucal

    union all

    select
        co_municipio_ibge,
        origem,
        modo,
        co_seq_origem,
        co_fat_cidadao_pec,
        dt_procedimento,
        co_dim_cbo,
        co_proced,
        procedimento,
        loaded_at
    from medicoes

),

final as (

    select
        todos.co_municipio_ibge,
        todos.origem,
        todos.modo,
        todos.co_seq_origem,
        todos.procedimento,
        cidadaos_unificados.co_pessoa,
        todos.co_fat_cidadao_pec,
        todos.dt_procedimento,
        todos.co_proced,
        cbos.nu_cbo,
        {{ categoria_profissional('cbos.nu_cbo') }} as categoria_profissional,
        todos.loaded_at
    from todos
    inner join cidadaos_unificados
        on
            todos.co_municipio_ibge = cidadaos_unificados.co_municipio_ibge
            and todos.co_fat_cidadao_pec = cidadaos_unificados.co_seq_fat_cidadao_pec
    left join cbos
        on
            todos.co_municipio_ibge = cbos.co_municipio_ibge
            and todos.co_dim_cbo = cbos.co_seq_dim_cbo

)

select * from final
